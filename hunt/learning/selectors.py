"""Reads for the learning pages and APIs."""

from django.db.models import QuerySet

from hunt.learning.models import ModelVersion, TrainingRun


def training_runs_recent(*, limit: int = 20) -> QuerySet[TrainingRun]:
    return TrainingRun.objects.select_related("snapshot", "requested_by", "model_version")[:limit]


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related("run")


def champion() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_champion=True).first()
