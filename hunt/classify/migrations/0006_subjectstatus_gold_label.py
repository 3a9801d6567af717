from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def gold_label_fill(apps: Any, schema_editor: Any) -> None:
    """Each gold status row takes its subject's first gold label (the one feedback always showed)."""
    SubjectStatus = apps.get_model("classify", "SubjectStatus")
    ExpertLabel = apps.get_model("subjects", "ExpertLabel")
    first_gold = (
        ExpertLabel.objects.filter(role="gold", subject_id=OuterRef("subject_id"))
        .order_by("pk")
        .values("label")[:1]
    )
    SubjectStatus.objects.filter(is_gold=True).update(
        gold_label=Coalesce(Subquery(first_gold), Value(""))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("classify", "0005_alter_subjectstatus_options_and_more"),
        ("subjects", "0004_ingest_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="subjectstatus",
            name="gold_label",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
        migrations.RunPython(gold_label_fill, migrations.RunPython.noop),
    ]
