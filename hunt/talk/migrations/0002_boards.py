"""The three boards of the Hunt's Talk: Help, Science and Chat."""

from typing import Any

from django.db import migrations

BOARDS = [
    ("help", "Help", "Questions about the project, the images or the site.", 1),
    ("science", "Science", "Clusters, lenses, mergers and anything else worth a scientist's look.", 2),
    ("chat", "Chat", "Everything else: say hello, share favourites, talk about the sky.", 3),
]


def create_boards(apps: Any, schema_editor: Any) -> None:
    Board = apps.get_model("talk", "Board")
    for slug, name, description, position in BOARDS:
        Board.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("talk", "0001_initial")]

    operations = [migrations.RunPython(create_boards, migrations.RunPython.noop)]
