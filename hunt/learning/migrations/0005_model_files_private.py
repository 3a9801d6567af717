# Model files move from the public media storage to the private "models" storage (issue 17, A6).

from django.core.files.storage import default_storage
from django.db import migrations, models

import hunt.learning.models


def move_model_files(apps, schema_editor):
    ModelVersion = apps.get_model("learning", "ModelVersion")
    private = hunt.learning.models.model_storage()
    if private is default_storage:
        return
    for version in ModelVersion.objects.exclude(file=""):
        name = version.file.name
        if not default_storage.exists(name) or private.exists(name):
            continue
        with default_storage.open(name, "rb") as handle:
            private.save(name, handle)
        default_storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0004_alter_labelsnapshotrow_split"),
    ]

    operations = [
        migrations.AlterField(
            model_name="modelversion",
            name="file",
            field=models.FileField(
                max_length=300, storage=hunt.learning.models.model_storage, upload_to="models/"
            ),
        ),
        migrations.RunPython(move_model_files, migrations.RunPython.noop),
    ]
