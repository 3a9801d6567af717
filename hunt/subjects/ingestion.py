"""The one entry point every trigger uses (command, admin, Celery task): plan, then execute, on a job row."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User

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
