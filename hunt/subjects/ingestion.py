"""The one entry point every trigger uses (command, admin, Celery task): plan, then execute, on a job row."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from hunt.subjects.models import IngestJob
from hunt.subjects.plans import PLANNERS
from hunt.subjects.services import (
    IngestError,
    ProgressCallback,
    default_workers,
    ingest_execute,
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
    """Create a job and ingest `source` of layout `kind`; raises `IngestError` with a clear message."""
    if kind not in PLANNERS:
        raise IngestError(f"unknown layout {kind!r} (expected one of {', '.join(PLANNERS)})")
    job = ingest_job_create(kind=kind, source=str(source), options=options, user=user)
    return ingest_job_run(job, workers=workers, progress=progress)


def ingest_job_queue(
    *, kind: str, source: str, options: dict[str, Any], user: User | None
) -> IngestJob:
    """Queue an ingestion for the worker (web and API triggers), once the job row is committed."""
    from hunt.subjects.tasks import ingest_job_execute

    if kind not in PLANNERS:
        raise IngestError(f"unknown layout {kind!r} (expected one of {', '.join(PLANNERS)})")
    for value in [source, *(options.get(k) for k in ("sources", "exposure_map", "labels"))]:
        if value and not _allowed(Path(value)):
            roots = ", ".join(str(root) for root in settings.INGEST_ROOTS)
            raise IngestError(f"{value} is outside the folders the web may ingest from ({roots})")
    with transaction.atomic():
        job = ingest_job_create(kind=kind, source=source, options=options, user=user)
        ingest_job_execute.delay_on_commit(job.pk)
    return job


def _allowed(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in settings.INGEST_ROOTS)


def ingest_job_run(
    job: IngestJob, *, workers: int | None = None, progress: ProgressCallback | None = None
) -> IngestJob:
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
