"""Reads for the learning pages and APIs."""

from django.db.models import QuerySet

from hunt.learning.models import ModelVersion, TrainingRun
from hunt.learning.services import model_promotable


def training_runs_recent(*, limit: int = 20) -> QuerySet[TrainingRun]:
    return TrainingRun.objects.select_related("snapshot", "requested_by", "model_version")[:limit]


def model_versions() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related("run")


def champion() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_champion=True).first()


def model_version_action(version: ModelVersion, serving: ModelVersion | None) -> str | None:
    """What the model page offers for `version`: "promote" (newer than the serving model, or none serves),
    "roll back" (older), or None (it serves, or it may not serve: see services.model_promotable)."""
    if version.is_champion or model_promotable(version) is not None:
        return None
    if serving is None or version.created_at > serving.created_at:
        return "promote"
    return "roll back"


def training_stages() -> list[tuple[str, str]]:
    """The stages a run goes through, in order, as the model page lists them (TrainingRun.Stage)."""
    skip = (TrainingRun.Stage.WAITING, TrainingRun.Stage.DONE)
    return [
        (str(value), str(label)) for value, label in TrainingRun.Stage.choices if value not in skip
    ]


def model_version_subject_ids(version: ModelVersion) -> list[int]:
    """The subjects a version scores (its snapshot's workflow), ascending: its predictions and embeddings."""
    from hunt.classify.models import SubjectStatus

    return list(
        SubjectStatus.objects.filter(workflow_id=version.run.snapshot.workflow_id)
        .order_by("subject_id")
        .values_list("subject_id", flat=True)
    )
