"""Exports: what to export (kind, layout, format, filters), streamed now or built into a file by a job."""

import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from hunt.core.jobs import (
    JobLost,
    JobUnavailable,
    job_claim,
    job_enqueue,
    job_fail,
    job_finish,
    job_running,
    storage_error,
    storage_save,
)
from hunt.exports.classifications import classification_csv_chunks
from hunt.exports.filters import ExportError, ExportFilters, export_filters_parse
from hunt.exports.models import ExportJob
from hunt.exports.selectors import (
    classifications_for_export,
    export_workflow,
    snapshot_get,
    statuses_for_export,
)
from hunt.exports.snapshots import SNAPSHOT_FIELDS, snapshot_rows, snapshot_table_meta
from hunt.exports.streaming import RowsDone, csv_chunks
from hunt.exports.subjects import csv_cell, subject_fields, subject_rows, subject_table_meta
from hunt.exports.tables import EXTENSIONS, table_build, table_write

logger = logging.getLogger(__name__)

Kind, Layout, Format = ExportJob.Kind, ExportJob.Layout, ExportJob.Format
MAX_ATTEMPTS = ExportJob.MAX_ATTEMPTS
PROGRESS_SECONDS = 0.5


@dataclass(frozen=True)
class ExportSpec:
    """One export, validated: which rows, in which layout and file format."""

    kind: str
    file_format: str = Format.CSV
    layout: str = ""
    filters: ExportFilters = field(default_factory=ExportFilters)
    snapshot_id: int | None = None

    @property
    def file_name(self) -> str:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        if self.kind == Kind.SNAPSHOT:
            stem = f"snapshot-{self.snapshot_id}"
        elif self.kind == Kind.CLASSIFICATIONS:
            stem = f"classifications-{self.layout}"
        else:
            stem = "subjects"
        scope = f"-{self.filters.workflow}" if self.filters.workflow else ""
        return f"cluster-hunt-{stem}{scope}-{stamp}.{EXTENSIONS[self.file_format]}"


def export_spec(
    *,
    kind: str,
    file_format: str = Format.CSV,
    layout: str = "",
    filters: dict[str, Any] | ExportFilters | None = None,
    snapshot_id: int | None = None,
) -> ExportSpec:
    """Check that the combination makes sense; raises ExportError naming the option that does not."""
    if kind not in Kind.values:
        raise ExportError(f"kind: {kind!r} is not one of {', '.join(Kind.values)}")
    if file_format not in Format.values:
        raise ExportError(f"file_format: {file_format!r} is not one of {', '.join(Format.values)}")
    if not isinstance(filters, ExportFilters):
        filters = export_filters_parse(filters or {})
    if kind == Kind.CLASSIFICATIONS:
        layout = layout or Layout.FLAT
        if layout not in Layout.values:
            raise ExportError(f"layout: {layout!r} is not one of {', '.join(Layout.values)}")
        if file_format != Format.CSV:
            raise ExportError(
                "file_format: classifications are exported as CSV (the subject table and label "
                "snapshots also come as ECSV, FITS, VOTable and Parquet)"
            )
    else:
        layout = ""
    if kind == Kind.SNAPSHOT:
        if snapshot_id is None:
            raise ExportError("snapshot: name the label snapshot to export")
        snapshot_get(snapshot_id)
    else:
        snapshot_id = None
        # A named workflow must exist (the subject table also needs one to exist at all).
        export_workflow(filters, required=kind == Kind.SUBJECTS)
    return ExportSpec(
        kind=kind, file_format=file_format, layout=layout, filters=filters, snapshot_id=snapshot_id
    )


def export_row_count(spec: ExportSpec) -> int:
    if spec.kind == Kind.CLASSIFICATIONS:
        return classifications_for_export(spec.filters).count()
    if spec.kind == Kind.SUBJECTS:
        return statuses_for_export(spec.filters).count()
    assert spec.snapshot_id is not None
    return snapshot_get(spec.snapshot_id).row_count


def export_csv_chunks(spec: ExportSpec, *, progress: RowsDone | None = None) -> Iterator[bytes]:
    """The export as CSV, chunk by chunk, in constant memory (a streamed response or a job's file)."""
    if spec.kind == Kind.CLASSIFICATIONS:
        rows = classifications_for_export(spec.filters)
        return classification_csv_chunks(rows, layout=spec.layout, progress=progress)
    if spec.kind == Kind.SUBJECTS:
        statuses = statuses_for_export(spec.filters)
        fields = subject_fields(statuses)
        subject_values = subject_rows(statuses, fields, catalogue=spec.filters.catalogue)
        return csv_chunks(
            [f.name for f in fields],
            ([csv_cell(value) for value in row] for row in subject_values),
            progress=progress,
        )
    assert spec.snapshot_id is not None
    snapshot = snapshot_get(spec.snapshot_id)
    return csv_chunks(
        [f.name for f in SNAPSHOT_FIELDS],
        ([csv_cell(value) for value in row] for row in snapshot_rows(snapshot)),
        progress=progress,
    )


def export_write(spec: ExportSpec, path: Path, *, progress: RowsDone | None = None) -> int:
    """Write the export to `path` in its file format; returns the number of rows."""
    rows_done = 0

    def counted(done: int) -> None:
        nonlocal rows_done
        rows_done = done
        if progress is not None:
            progress(done)

    if spec.file_format == Format.CSV:
        with path.open("wb") as out:
            for chunk in export_csv_chunks(spec, progress=counted):
                out.write(chunk)
        return rows_done
    if spec.kind == Kind.SUBJECTS:
        statuses = statuses_for_export(spec.filters)
        fields = subject_fields(statuses)
        workflow = export_workflow(spec.filters, required=True)
        assert workflow is not None
        rows = subject_rows(statuses, fields, catalogue=spec.filters.catalogue, progress=counted)
        meta = subject_table_meta(spec.filters, workflow)
    else:
        assert spec.snapshot_id is not None
        snapshot = snapshot_get(spec.snapshot_id)
        fields = list(SNAPSHOT_FIELDS)
        rows = snapshot_rows(snapshot)
        meta = snapshot_table_meta(snapshot)
    meta = {**meta, "kind": spec.kind, "exported": timezone.now().isoformat()}
    filters = spec.filters.as_json()
    if filters:
        meta["filters"] = ",".join(f"{key}={value}" for key, value in filters.items())
    table = table_build(fields, rows, meta)
    table_write(table, path, spec.file_format)
    counted(len(table))
    return len(table)


# --- Jobs ---------------------------------------------------------------------------------------------


class ExportUnavailable(JobUnavailable):
    """The export could not be queued (the broker is down); the job row is failed."""


def export_job_create(*, spec: ExportSpec, user: User | None) -> ExportJob:
    """Record the job and queue it for a worker once the row is committed (hunt.core.jobs.job_enqueue)."""
    job = ExportJob.objects.create(
        kind=spec.kind,
        layout=spec.layout,
        file_format=spec.file_format,
        filters=spec.filters.as_json(),
        snapshot_id=spec.snapshot_id,
        file_name=spec.file_name,
        requested_by=user,
    )
    try:
        job_enqueue(job)
    except JobUnavailable as error:
        raise ExportUnavailable(str(error)) from error
    return job


def export_job_spec(job: ExportJob) -> ExportSpec:
    return export_spec(
        kind=job.kind, file_format=job.file_format, layout=job.layout, filters=job.filters,
        snapshot_id=job.snapshot_id,
    )  # fmt: skip


class _ProgressSaver:
    """Writes a job's progress through its own database connection, at most every PROGRESS_SECONDS.

    The export's connection is busy for the whole COPY (no other statement may run on it meanwhile), and
    progress must be visible to the page while the job runs, so it cannot wait for the end either.
    """

    def __init__(self, job: ExportJob) -> None:
        self.job, self.last = job, 0.0
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        table = ExportJob._meta.db_table
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET done = %s WHERE id = %s",
                [min(done, self.job.total or done), self.job.pk],
            )

    def close(self) -> None:
        self.connection.close()


def export_job_execute(job_id: int) -> ExportJob | None:
    """The task's entry point: claim the job for this delivery, then build its file."""
    job = job_claim(
        ExportJob, job_id, reset={"done": 0, "size_bytes": 0, "sha256": "", "row_count": 0}
    )
    if job is None:
        return None
    return _export_build(job)


def export_job_run(job: ExportJob) -> ExportJob:
    """What the worker does with `job` (claim, build), in this process; returns the job as it ended."""
    done = export_job_execute(job.pk)
    if done is None:
        job.refresh_from_db()
        return job
    return done


def _export_build(job: ExportJob) -> ExportJob:
    """Build a claimed job's file (outside any transaction, so progress shows as it goes) and store it.

    Idempotent per attempt: a file an earlier attempt stored is removed first. Nothing partial is left: the
    file is built in a temporary folder and stored whole (a full or read-only storage fails the job with a
    message naming the cause, and the truncated copy is removed).
    """
    if job.file:
        job.file.delete(save=False)  # an earlier attempt's, never served (the job did not succeed)
        ExportJob.objects.filter(pk=job.pk).update(file="")
    try:
        with job_running(job) as attempt:
            spec = export_job_spec(job)
            job.total = export_row_count(spec)
            attempt.beat(total=job.total)
            progress = _ProgressSaver(job)
            with tempfile.TemporaryDirectory(prefix="cluster-hunt-export-") as folder:
                path = Path(folder) / job.file_name
                try:
                    rows = export_write(spec, path, progress=progress)
                finally:
                    progress.close()
                attempt.check()
                digest = hashlib.sha256()
                with path.open("rb") as stored:
                    for block in iter(lambda: stored.read(1 << 20), b""):
                        digest.update(block)
                    stored.seek(0)
                    name = storage_save(
                        job.file.storage,
                        job.file.field.generate_filename(job, job.file_name),
                        File(stored),
                    )
                size = path.stat().st_size
    except ExportError as error:
        job_fail(job, str(error))
        return job
    except JobLost:
        return job
    except Exception as error:
        problem = storage_error(error)
        if problem is None:
            logger.exception("export job %s failed", job.pk)
        job_fail(job, problem or f"{type(error).__name__}: {error}")
        return job
    finished = job_finish(
        job, ExportJob.Status.SUCCEEDED, file=name, size_bytes=size, sha256=digest.hexdigest(),
        row_count=rows, done=rows, total=max(job.total, rows),
    )  # fmt: skip
    if not finished:  # cancelled or swept meanwhile: its file is nobody's
        job.file.storage.delete(name)
    job.refresh_from_db()
    return job


def export_job_delete(*, job: ExportJob) -> None:
    """Remove the stored file and the job (jobs are kept, with their files, until someone deletes them)."""
    if job.file:
        job.file.delete(save=False)
    job.delete()
