"""Reads for the learning pages and APIs."""

from django.db.models import QuerySet

from hunt.learning.models import ModelVersion, TrainingRun


def training_runs_recent(*, limit: int = 20) -> QuerySet[TrainingRun]:
    return TrainingRun.objects.select_related("snapshot", "requested_by", "model_version")[:limit]


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related("run")


def champion() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_champion=True).first()


def model_version_subject_ids(version: ModelVersion) -> list[int]:
    """The subjects a version scores (its snapshot's workflow), ascending: its predictions and embeddings."""
    from hunt.classify.models import SubjectStatus

    return list(
        SubjectStatus.objects.filter(workflow_id=version.run.snapshot.workflow_id)
        .order_by("subject_id")
        .values_list("subject_id", flat=True)
    )
