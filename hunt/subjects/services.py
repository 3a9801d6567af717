"""Ingestion: validate, render once, store, and insert a whole batch or nothing.

An ingestion runs in two phases. Phase one reads and renders every new candidate (in a process pool when
allowed) and writes its files through the storage API, updating the job row as it goes so progress bars move.
Phase two inserts every row in one transaction. Any bad input in phase one, or any database error in phase two,
deletes the files this run wrote and leaves the database as it was: nothing is half-ingested. Candidates
already in the set are skipped before any work, so re-running adds nothing twice.
"""

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, TypeVar, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.text import slugify

from hunt.classify.rules import seeded_random
from hunt.core.jobs import JobLost, job_claim, job_fail, job_finish, job_running, storage_error
from hunt.subjects.labels import Label, TruthRole
from hunt.subjects.models import Cutout, ExpertLabel, IngestJob, Subject, SubjectSet
from hunt.subjects.signals import subjects_ingested
from hunt.subjects.storage import (
    StoredCandidate,
    attempt_files_delete,
    attempt_folder,
    candidate_files_save,
    files_delete,
)
from ml import splits
from ml.fitsio import InputError
from ml.prepare import PreparedCandidate, TruthRow

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
ProgressCallback = Callable[[int, int], None]

PROGRESS_EVERY = 25  # rows; the job row is updated this often


class IngestError(Exception):
    """An ingestion that could not complete; the message names the file (and row) and the problem."""


@dataclass
class IngestPlan:
    """What one ingestion will do: which set, which new items, how to prepare them, what truth to attach."""

    subject_set: SubjectSet
    items: Sequence[Any]
    prepare: Callable[[Any], PreparedCandidate] | None = None
    # Field cutouts come from one image already in memory: a generator instead of per-item preparation.
    prepared: Iterable[PreparedCandidate] | None = None
    truth: dict[str, TruthRow] = field(default_factory=dict)
    truth_source: str = ""
    # What the truth may be used for (hunt.subjects.labels.TruthRole); `gold_share` of it, picked by a hash of
    # the set and the candidate id (so a rerun picks the same), is made gold instead.
    truth_role: str = TruthRole.EVALUATION
    gold_share: float = 0.0
    skipped: int = 0
    # A set this plan created is removed again if the ingestion fails, so a failure leaves no trace.
    created_set: bool = False


@transaction.atomic
def subject_set_get_or_create(
    *, name: str, kind: str, description: str = "", citation: str = ""
) -> tuple[SubjectSet, bool]:
    subject_set, created = SubjectSet.objects.get_or_create(
        name=name,
        defaults={
            "slug": slugify(name)[:100] or "set",
            "kind": kind,
            "description": description,
            "citation": citation,
        },
    )
    if not created and subject_set.kind != kind:
        raise IngestError(
            f"subject set {name!r} holds {subject_set.get_kind_display()} data, not {kind}"
        )
    return subject_set, created


def existing_external_ids(subject_set: SubjectSet) -> set[str]:
    return set(
        Subject.objects.filter(subject_set=subject_set).values_list("external_id", flat=True)
    )


def ingest_job_create(
    *, kind: str, source: str, options: dict[str, Any] | None = None, user: User | None = None
) -> IngestJob:
    return IngestJob.objects.create(
        kind=kind, source=source, options=options or {}, requested_by=user
    )


def _job_update(job: IngestJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def ingest_job_claim(job_id: int) -> IngestJob | None:
    """Take the job for this delivery (hunt.core.jobs.job_claim); None when there is nothing to do.

    An earlier attempt never committed a row (they are inserted at the end, with the job's success), so
    whatever files it left (its worker was killed mid-way) are removed before this one writes.
    """
    job = job_claim(IngestJob, job_id, reset={"done": 0, "created": 0})
    if job is not None and job.attempts > 1:
        removed = attempt_files_delete(job.pk, range(1, job.attempts))
        if removed:
            logger.warning("ingest #%s: removed %s files of its dead attempts", job.pk, removed)
    return job


def ingest_job_fail(job: IngestJob, exc: BaseException, *, plan: IngestPlan | None = None) -> None:
    """Record why a job failed; drop the subject set it created if nothing landed in it."""
    expected = isinstance(exc, InputError | IngestError)
    # Our own messages name the file and the problem, never its content; anything else may quote the
    # file (or a secret beside it), so the job row gets its type only and the log gets the rest. A full or
    # read-only storage is named as such.
    storage = storage_error(exc)
    if not expected and storage is None:
        logger.error("ingest job %s failed", job.pk, exc_info=exc)
    error = str(exc) if expected else storage or f"{type(exc).__name__} (details in the worker log)"
    job_fail(job, error)
    if plan is not None and plan.created_set and not plan.subject_set.subjects.exists():
        job.subject_set = None
        job.save(update_fields=["subject_set"])
        plan.subject_set.delete()


def _prepared_stream(plan: IngestPlan, workers: int) -> Iterator[PreparedCandidate]:
    if plan.prepared is not None:
        yield from plan.prepared
        return
    assert plan.prepare is not None
    if workers <= 1 or len(plan.items) < 2 * workers:
        yield from map(plan.prepare, plan.items)
        return
    # fork: the children need nothing but the pure ml/ functions already imported here.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        yield from pool.map(plan.prepare, plan.items, chunksize=8)


def _check_truth(plan: IngestPlan) -> None:
    valid = set(Label.values)
    for row in plan.truth.values():
        if row.label not in valid:
            raise IngestError(
                f"expert label {row.label!r} for {row.external_id!r} is not one of {', '.join(sorted(valid))}"
            )


def ingest_execute(
    job: IngestJob, plan: IngestPlan, *, workers: int = 1, progress: ProgressCallback | None = None
) -> IngestJob:
    """Run a planned ingestion to the end, recording progress and outcome on `job`."""
    total = len(plan.items)
    _job_update(job, subject_set=plan.subject_set, total=total, skipped=plan.skipped, done=0)
    written: list[str] = []
    rows: list[_Row] = []
    try:
        with job_running(job) as attempt:
            _check_truth(plan)
            for done, prepared in enumerate(_prepared_stream(plan, workers), start=1):
                attempt.check()  # cancelled or swept: stop, and roll back what this run wrote
                files = candidate_files_save(
                    attempt=attempt_folder(job.pk, job.attempts),
                    set_slug=plan.subject_set.slug,
                    prepared=prepared,
                )
                written.extend(files.names())
                rows.append(_Row.of(prepared, files))
                if done % PROGRESS_EVERY == 0 or done == total:
                    attempt.beat(done=done)
                    if progress is not None:
                        progress(done, total)
            attempt.check()
            # The rows and the job's success commit together: an attempt either landed whole (its files
            # in use) or left only files that the next claim or the sweeper may remove.
            with transaction.atomic():
                created = _rows_insert(plan, rows)
                if not job_finish(job, IngestJob.Status.SUCCEEDED, created=created, done=total):
                    raise JobLost(f"ingest #{job.pk} is no longer this worker's")
    except JobLost:
        files_delete(written)
        return job
    except BaseException as exc:
        files_delete(written)
        ingest_job_fail(job, exc, plan=plan)
        if isinstance(exc, InputError | IngestError):
            raise IngestError(str(exc)) from exc
        raise
    if created:
        subjects_ingested.send(sender=plan.subject_set, created=created)
    logger.info(
        "ingest #%s: %s new subjects in %s (%s skipped)",
        job.pk,
        created,
        plan.subject_set,
        plan.skipped,
    )
    return job


@dataclass(frozen=True)
class _Row:
    """What the database rows of one candidate need, without its pixels (kept for the whole batch)."""

    external_id: str
    ra: float | None
    dec: float | None
    metadata: dict[str, Any]
    pixel_scale_arcsec: dict[str, float | None]
    viewer_meta: dict[str, dict[str, Any]]
    files: StoredCandidate

    @classmethod
    def of(cls, prepared: PreparedCandidate, files: StoredCandidate) -> "_Row":
        return cls(
            external_id=prepared.external_id,
            ra=prepared.ra,
            dec=prepared.dec,
            metadata=prepared.metadata,
            pixel_scale_arcsec=prepared.pixel_scale_arcsec,
            viewer_meta=_viewer_meta(prepared),
            files=files,
        )


def _viewer_meta(prepared: PreparedCandidate) -> dict[str, dict[str, Any]]:
    rendered = prepared.rendered
    meta = {band: v.meta() for band, v in rendered.viewer.items()}
    if rendered.denoised is not None and "xray" in meta:
        meta["xray"]["denoised"] = rendered.denoised.meta()
    return meta


def label_role(plan: IngestPlan, external_id: str) -> str:
    """The role of one candidate's truth under the plan."""
    if plan.gold_share > 0 and seeded_random("gold", plan.subject_set.slug, external_id) < (
        plan.gold_share
    ):
        return TruthRole.GOLD
    return plan.truth_role


def subject_splits(
    subject_set: SubjectSet, rows: Sequence[tuple[str, float | None, float | None]]
) -> list[str]:
    """Sky splits for new subjects (external id, ra, dec), given every stored subject (repeats join theirs)."""
    # Positions are never null here (filtered out), whatever the field's declared type says.
    stored = cast(
        list[tuple[float, float, str]],
        list(
            Subject.objects.filter(ra__isnull=False, dec__isnull=False).values_list(
                "ra", "dec", "split"
            )
        ),
    )
    return splits.assign_splits(
        [ra for _, ra, _ in rows],
        [dec for _, _, dec in rows],
        [f"{subject_set.slug}:{external_id}" for external_id, _, _ in rows],
        existing_ra=[ra for ra, _, _ in stored],
        existing_dec=[dec for _, dec, _ in stored],
        existing_split=[split for _, _, split in stored],
    )


# The same file ingested twice: the same external id within this distance (a re-render of one image moves
# nothing; a different observation of the source has its own id and is a repeat, grouped, not a duplicate).
DUPLICATE_RADIUS_ARCSEC = 1.0


def _duplicates_refuse(plan: IngestPlan, rows: Sequence[_Row]) -> None:
    """Refuse rows already ingested into another set (same external id, same place): a volunteer would be
    shown the same image twice. The message names the stored subjects and their sets."""
    others: dict[str, list[tuple[int, float | None, float | None, str]]] = {}
    for pk, external_id, ra, dec, set_name in (
        Subject.objects.filter(external_id__in=[row.external_id for row in rows])
        .exclude(subject_set=plan.subject_set)
        .values_list("pk", "external_id", "ra", "dec", "subject_set__name")
        .order_by("pk")
    ):
        others.setdefault(external_id, []).append((pk, ra, dec, set_name))
    found: list[str] = []
    for row in rows:
        for pk, ra, dec, set_name in others.get(row.external_id, []):
            if None in (ra, dec, row.ra, row.dec):
                same = ra is None and dec is None and row.ra is None and row.dec is None
                where = "no position"
            else:
                distance = splits.separation_arcsec(
                    cast(float, row.ra), cast(float, row.dec), cast(float, ra), cast(float, dec)
                )
                same = distance <= DUPLICATE_RADIUS_ARCSEC
                where = f'{distance:.1f}" apart'
            if same:
                found.append(f"{row.external_id!r} is subject #{pk} in set {set_name!r} ({where})")
                break
    if found:
        shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
        raise IngestError(
            f"{len(found)} of these candidates are already ingested in another set, with the same external id "
            f"and sky position: {shown}. Nothing was ingested: ingest new files only (a repeat observation "
            f"needs its own id), or add them to that set."
        )


def subject_repeat_groups_update() -> int:
    """Give every subject its repeat group (Subject.repeat_group, from ml.splits.repeat_group_ids); returns
    how many changed. Run in an ingestion's transaction, after its rows are inserted, so a new observation
    that joins (or bridges) stored groups relabels them too."""
    stored = list(
        Subject.objects.filter(ra__isnull=False, dec__isnull=False)
        .order_by("pk")
        .values_list("pk", "ra", "dec", "repeat_group")
    )
    if not stored:
        return 0
    labels = splits.repeat_group_ids(
        [pk for pk, *_ in stored],
        [cast(float, ra) for _, ra, _, _ in stored],
        [cast(float, dec) for _, _, dec, _ in stored],
    )
    changed = [
        Subject(pk=pk, repeat_group=label)
        for (pk, _, _, current), label in zip(stored, labels, strict=True)
        if current != label
    ]
    Subject.objects.bulk_update(changed, ["repeat_group"], batch_size=2000)
    return len(changed)


@transaction.atomic
def _rows_insert(plan: IngestPlan, rows: Sequence[_Row]) -> int:
    _duplicates_refuse(plan, rows)
    split_of = subject_splits(
        plan.subject_set, [(row.external_id, row.ra, row.dec) for row in rows]
    )
    subjects = Subject.objects.bulk_create(
        [
            Subject(
                subject_set=plan.subject_set,
                external_id=row.external_id,
                ra=row.ra,
                dec=row.dec,
                split=split,
                metadata=row.metadata,
                thumbnail=row.files.thumbnail_name,
            )
            for row, split in zip(rows, split_of, strict=True)
        ],
        batch_size=1000,
    )
    cutouts = []
    labels = []
    for subject, row in zip(subjects, rows, strict=True):
        for band, names in row.files.bands.items():
            meta = row.viewer_meta[band]
            cutouts.append(
                Cutout(
                    subject=subject,
                    band=band,
                    width=meta["width"],
                    height=meta["height"],
                    pixel_scale_arcsec=row.pixel_scale_arcsec.get(band),
                    data_file=names.data_name,
                    viewer_meta=meta,
                    preview=names.preview_name,
                    denoised_file=names.denoised_name,
                )
            )
        truth = plan.truth.get(row.external_id)
        if truth is not None:
            labels.append(
                ExpertLabel(
                    subject=subject,
                    source=plan.truth_source,
                    label=truth.label,
                    redshift=truth.redshift,
                    catalogue_id=truth.catalogue_id,
                    notes=truth.notes,
                    role=label_role(plan, row.external_id),
                )
            )
    Cutout.objects.bulk_create(cutouts, batch_size=2000)
    ExpertLabel.objects.bulk_create(labels, batch_size=2000)
    subject_repeat_groups_update()
    return len(subjects)


def plan_new_items(
    subject_set: SubjectSet, items: Sequence[Item], external_id: Callable[[Item], str]
) -> tuple[list[Item], int]:
    """Drop the items already ingested into this set (idempotency), keeping input order."""
    existing = existing_external_ids(subject_set)
    new = [item for item in items if external_id(item) not in existing]
    return new, len(items) - len(new)


def default_workers() -> int:
    """Rendering is CPU-bound: one process per core, but never inside a daemonic (Celery) process."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(4, os.cpu_count() or 1))
