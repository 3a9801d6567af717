"""The one entry point every trigger uses (command, admin, Celery task): plan, then execute, on a job row."""

from contextlib import suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from hunt.core.jobs import JobUnavailable, job_enqueue
from hunt.subjects.models import IngestJob
from hunt.subjects.plans import PLANNERS
from hunt.subjects.services import (
    IngestError,
    ProgressCallback,
    default_workers,
    ingest_execute,
    ingest_job_claim,
    ingest_job_create,
    ingest_job_fail,
)
from ml.fitsio import InputError


def ingest_run(
    *,
    kind: str,
    source: str | Path,
    options: dict[str, Any] | None = None,
    user: User | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> IngestJob:
    """Create a job and ingest `source` of layout `kind` in this process; raises `IngestError` clearly."""
    if kind not in PLANNERS:
        raise IngestError(f"unknown layout {kind!r} (expected one of {', '.join(PLANNERS)})")
    job = ingest_job_create(kind=kind, source=str(source), options=options, user=user)
    claimed = ingest_job_claim(job.pk)
    assert claimed is not None  # a job this call just created
    return ingest_job_run(claimed, workers=workers, progress=progress)


class IngestUnavailable(JobUnavailable):
    """The ingestion could not be queued (the broker is down); the job row is failed."""


def ingest_job_queue(
    *, kind: str, source: str, options: dict[str, Any], user: User | None
) -> IngestJob:
    """Queue an ingestion for the worker (web and API triggers), once the job row is committed."""
    if kind not in PLANNERS:
        raise IngestError(f"unknown layout {kind!r} (expected one of {', '.join(PLANNERS)})")
    for value in [source, *(options.get(k) for k in ("sources", "exposure_map", "labels"))]:
        if value and not _allowed(Path(value)):
            roots = ", ".join(str(root) for root in settings.INGEST_ROOTS)
            raise IngestError(f"{value} is outside the folders the web may ingest from ({roots})")
    job = ingest_job_create(kind=kind, source=source, options=options, user=user)
    try:
        job_enqueue(job)
    except JobUnavailable as error:
        raise IngestUnavailable(str(error)) from error
    return job


def _allowed(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in settings.INGEST_ROOTS)


def ingest_job_execute(job_id: int) -> IngestJob | None:
    """The task's entry point: claim the job for this delivery and run it; bad input stays on the row."""
    job = ingest_job_claim(job_id)
    if job is None:
        return None
    # On bad input the job row holds the message (the admin shows it); nothing to retry.
    with suppress(IngestError):
        ingest_job_run(job)
    return job


def ingest_job_run(
    job: IngestJob, *, workers: int | None = None, progress: ProgressCallback | None = None
) -> IngestJob:
    """Run a claimed job: plan, then execute."""
    options = dict(job.options)
    for key in ("sources", "exposure_map", "labels"):
        if options.get(key):
            options[key] = Path(options[key])
    try:
        plan = PLANNERS[job.kind](Path(job.source), **options)
    except (InputError, IngestError) as exc:
        ingest_job_fail(job, exc)
        raise IngestError(str(exc)) from exc
    return ingest_execute(
        job, plan, workers=default_workers() if workers is None else workers, progress=progress
    )
