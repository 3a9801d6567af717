from django.db import migrations


def create_the_hunt(apps, schema_editor):
    Workflow = apps.get_model("classify", "Workflow")
    Workflow.objects.get_or_create(
        slug="hunt",
        defaults={
            "name": "The Hunt for Galaxy Clusters",
            "gold_label_sources": ["XCS", "Kosiba+2020", "experts"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("classify", "0001_initial")]

    operations = [migrations.RunPython(create_the_hunt, migrations.RunPython.noop)]
