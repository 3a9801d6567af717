"""Writing latent spaces (after training or by the embedding job) and sending anomalies to volunteers."""

import io
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.selectors import workflow_default
from hunt.core.jobs import (
    JobRun,
    counted_job_execute,
    job_create_exclusive,
    job_enqueue,
    storage_save,
)
from hunt.learning.models import ModelVersion, model_storage
from hunt.learning.selectors import model_version_subject_ids
from hunt.similarity.models import AnomalySet, EmbeddingRun, LatentSpaceFile
from hunt.subjects.models import ExpertLabel

CHUNK = 2000
MAX_ANOMALY_SET = 1000


class SimilarityError(Exception):
    """A request that cannot be met; `status` and `code` become the API's answer."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


def latent_space_store(
    *, version: ModelVersion, ids: np.ndarray, embeddings: np.ndarray, source: str
) -> LatentSpaceFile:
    """Build the latent space of `embeddings` (rows of subjects `ids`), save its file, and replace the
    version's row in one transaction (the old file goes once that commits)."""
    from ml.latent.space import build_space, space_to_bytes

    space = build_space(ids, embeddings, seed=int(version.seed) % 2**32)
    name = storage_save(
        model_storage(), f"latent/v{version.pk}.npz", ContentFile(space_to_bytes(space))
    )
    try:
        with transaction.atomic():
            LatentSpaceFile.objects.filter(model_version=version).delete()
            row = LatentSpaceFile.objects.create(
                model_version=version, file=name, subjects=len(space.ids), dim=space.dim,
                explained=[float(x) for x in space.explained], source=source,
            )  # fmt: skip
    except BaseException:
        model_storage().delete(name)
        raise
    return row


# --- The embedding job ---------------------------------------------------------------------------------


class EmbeddingAlreadyActive(SimilarityError):
    def __init__(self, run: EmbeddingRun) -> None:
        super().__init__(
            f"embedding run #{run.pk} is already {run.status}; wait for it or cancel it",
            code="embedding_run_active",
            status=409,
        )
        self.run = run


def embedding_run_start(
    *, user: User | None, version: ModelVersion | None = None, queue: bool = True
) -> EmbeddingRun:
    """Queue the embeddings of every subject for `version` (default: the serving model)."""
    if version is None:
        version = ModelVersion.objects.filter(is_champion=True).first()
        if version is None:
            raise SimilarityError(
                "no model serves yet: train one first", code="no_model", status=409
            )
    if not version.complete:
        raise SimilarityError(
            f"model v{version.pk} is incomplete", code="model_incomplete", status=409
        )
    chosen = version
    run = job_create_exclusive(
        EmbeddingRun,
        lambda: EmbeddingRun.objects.create(model_version=chosen, requested_by=user),
        EmbeddingAlreadyActive,
    )
    if queue:
        job_enqueue(run)
    return run


def embedding_run_execute(run_id: int) -> None:
    """The task's body: load the model, embed every subject in chunks (progress per chunk), store."""

    def embed(run: EmbeddingRun, attempt: JobRun) -> int:
        import torch

        from hunt.learning.dataset import subject_images
        from ml.learning.predict import predict
        from ml.learning.store import load_model

        torch.set_num_threads(settings.TORCH_NUM_THREADS)
        version = ModelVersion.objects.select_related("run__snapshot").get(pk=run.model_version_id)
        with version.file.open("rb") as handle:
            model = load_model(io.BytesIO(handle.read())).model
        ids = model_version_subject_ids(version)
        if len(ids) < 2:
            raise ValueError(f"model v{version.pk} scores {len(ids)} subject(s): nothing to map")
        attempt.beat(total=len(ids))
        attempt.check()
        parts = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            output = predict(model, subject_images(chunk), embed=True)
            assert output.embeddings is not None
            parts.append(output.embeddings)
            attempt.beat(done=start + len(chunk))
            attempt.check()
        latent_space_store(
            version=version, ids=np.asarray(ids), embeddings=np.concatenate(parts),
            source=LatentSpaceFile.Source.JOB,
        )  # fmt: skip
        return len(ids)

    counted_job_execute(EmbeddingRun, run_id, embed)


# --- Anomalies to volunteers ---------------------------------------------------------------------------


@transaction.atomic
def anomaly_set_create(
    *, user: User | None, name: str, size: int, anomalies: list[int], version: ModelVersion
) -> AnomalySet:
    """A workflow holding exactly the `size` most anomalous subjects (`anomalies`, strangest first).

    Volunteers classify it at /classify/?workflow=<slug>. It shares the default workflow's question and
    rules, never takes in new sets (its subjects are chosen, not a set's), and its queue is the anomaly
    order: the strangest first. A subject with a gold label is gold here too (feedback, skill).
    """
    name = name.strip()
    if not name:
        raise SimilarityError("name must not be empty", code="invalid")
    if not 1 <= size <= MAX_ANOMALY_SET:
        raise SimilarityError(f"size must be from 1 to {MAX_ANOMALY_SET}", code="invalid")
    chosen = anomalies[:size]
    if not chosen:
        raise SimilarityError(
            "the latent space has no subjects", code="no_latent_space", status=409
        )
    base = workflow_default()
    slug = _free_slug(f"anomalies-{slugify(name)[:60] or 'set'}")
    template: dict[str, Any] = {}
    if base is not None:
        template = {
            field: getattr(base, field)
            for field in (
                "question", "ask_redshift", "answer_help", "retirement_limit", "retirement_rules",
                "gold_schedule", "gold_feedback", "hidden_gold_share", "seed",
            )
        }  # fmt: skip
    workflow = Workflow.objects.create(
        name=f"Anomalies: {name}"[:200], slug=slug, include_new_sets=False, active=True, **template
    )
    gold = set(
        ExpertLabel.objects.gold()
        .filter(subject_id__in=chosen)
        .values_list("subject_id", flat=True)
    )
    SubjectStatus.objects.bulk_create(
        [
            # Priority is the anomaly rank: the walk serves the strangest first.
            SubjectStatus(
                workflow=workflow, subject_id=pk, priority=rank / len(chosen), is_gold=pk in gold
            )
            for rank, pk in enumerate(chosen)
        ]
    )
    return AnomalySet.objects.create(
        name=name[:200], model_version=version, workflow=workflow, subject_ids=chosen,
        created_by=user,
    )  # fmt: skip


def _free_slug(base: str) -> str:
    slug, n = base, 1
    while Workflow.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
