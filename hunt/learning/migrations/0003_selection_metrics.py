from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("learning", "0002_training_run_trigger")]

    operations = [
        migrations.RenameField(
            model_name="modelversion", old_name="heldout_metrics", new_name="selection_metrics"
        ),
    ]
