"""Measuring subjects' X-ray morphology (ml.morphology) and the job that measures them all."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.db import transaction

from hunt.catalogues.models import CatalogueMatch
from hunt.core.jobs import (
    JobRun,
    counted_job_execute,
    job_create_exclusive,
    job_enqueue,
)
from hunt.morphology.models import MorphologyRun, SubjectMorphology
from hunt.subjects.models import Cutout, Subject

logger = logging.getLogger(__name__)

CHUNK = 50
ProgressCallback = Callable[[int, int], None]
# Catalogue columns that give r500 (MCXC's R500 in Mpc), as the reader keeps them in `extras`.
R500_MPC_COLUMNS = ("R500", "r500", "R500_Mpc")


class MorphologyError(Exception):
    """A request that cannot be met; `status` and `code` become the API's or the command's answer."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass(frozen=True)
class SubjectContext:
    """What the measurement knows about a subject besides its pixels: from its catalogue match."""

    redshift: float | None
    r500_kpc: float | None


def _r500_kpc(extras: dict[str, object]) -> float | None:
    for key in R500_MPC_COLUMNS:
        value = extras.get(key)
        if isinstance(value, int | float) and value > 0:
            return 1000.0 * float(value)
    return None


def subject_contexts(subject_ids: Sequence[int]) -> dict[int, SubjectContext]:
    """Redshift and r500 of each subject from its catalogue matches (the first with a redshift)."""
    found: dict[int, SubjectContext] = {}
    matches = (
        CatalogueMatch.objects.filter(subject_id__in=list(subject_ids))
        .select_related("entry")
        .order_by("subject_id", "catalogue_id")
    )
    for match in matches:
        entry = match.entry
        known = found.get(match.subject_id)
        if known is not None and known.redshift is not None:
            continue
        z = entry.redshift if entry.redshift is not None and entry.redshift > 0 else None
        found[match.subject_id] = SubjectContext(z, _r500_kpc(entry.extras))
    return found


def _xray(cutout: Cutout, subject: Subject) -> tuple[np.ndarray, np.ndarray, float]:
    """Counts, an exposure image and the pixel scale of a stored X-ray cutout.

    Stored cutouts keep the counts (quantised to 1/65534 of their range: rounded back to whole counts)
    but no exposure map: the exposure is the subject's nominal exposure over every seen pixel (pixels
    outside the field are NaN).
    """
    from ml.render import decode_viewer_array

    with default_storage.open(cutout.data_file.name) as handle:
        values = decode_viewer_array(handle.read(), cutout.viewer_meta)
    seen = np.isfinite(values)
    counts = np.where(seen, np.round(np.nan_to_num(values)), 0.0)
    nominal = subject.metadata.get("exposure_s")
    exposure_s = float(nominal) if isinstance(nominal, int | float) and nominal > 0 else 1.0
    if cutout.pixel_scale_arcsec is None or not cutout.pixel_scale_arcsec > 0:
        raise MorphologyError(
            f"subject {subject.pk}'s X-ray cutout has no pixel scale", code="no_pixel_scale"
        )
    return counts, np.where(seen, exposure_s, 0.0), float(cutout.pixel_scale_arcsec)


def subject_morphology_measure(
    subject: Subject, *, context: SubjectContext | None = None, n_resample: int | None = None
) -> SubjectMorphology:
    """Measure one subject and store its row for this measure version (replacing an older one)."""
    from ml.morphology import MEASURE_VERSION, MorphologyImage, measure_morphology
    from ml.morphology.measure import N_RESAMPLE

    cutout = Cutout.objects.filter(subject=subject, band=Cutout.Band.XRAY).first()
    if cutout is None:
        raise MorphologyError(f"subject {subject.pk} has no X-ray cutout", code="no_xray")
    if context is None:
        context = subject_contexts([subject.pk]).get(subject.pk, SubjectContext(None, None))
    counts, exposure, scale = _xray(cutout, subject)
    if not exposure.any():
        raise MorphologyError(f"subject {subject.pk}'s X-ray cutout is empty", code="empty")
    measured = measure_morphology(
        MorphologyImage(counts, exposure, scale),
        redshift=context.redshift,
        r500_kpc=context.r500_kpc,
        n_resample=N_RESAMPLE if n_resample is None else n_resample,
        # Reproducible per subject: a re-run gives the same errors.
        rng=np.random.default_rng(subject.pk),
    )
    values = measured.values()
    row, _ = SubjectMorphology.objects.update_or_create(
        subject=subject,
        version=MEASURE_VERSION,
        defaults={
            "status": measured.status, "n_net_counts": measured.n_net_counts, **values,
            "redshift": context.redshift, "redshift_assumed": measured.z_assumed,
            "r500_kpc": context.r500_kpc, "aperture_kpc": measured.aperture_kpc,
            "exposure_map": False, "notes": list(measured.notes),
        },
    )  # fmt: skip
    return row


def subjects_to_measure(*, only_missing: bool) -> list[int]:
    """Subjects with an X-ray cutout (not yet measured at this version, with `only_missing`)."""
    from ml.morphology import MEASURE_VERSION

    ids = Cutout.objects.filter(band=Cutout.Band.XRAY).values_list("subject_id", flat=True)
    if only_missing:
        measured = SubjectMorphology.objects.filter(version=MEASURE_VERSION).values("subject_id")
        ids = ids.exclude(subject_id__in=measured)
    return sorted(set(ids))


def morphology_measure_subjects(
    ids: Sequence[int], *, progress: ProgressCallback | None = None
) -> int:
    """Measure `ids` in chunks (each chunk's rows in one transaction); returns how many were measured."""
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        contexts = subject_contexts(chunk)
        subjects = Subject.objects.in_bulk(chunk)
        with transaction.atomic():
            for pk in chunk:
                subject = subjects.get(pk)
                if subject is None:  # deleted meanwhile
                    continue
                try:
                    subject_morphology_measure(
                        subject, context=contexts.get(pk, SubjectContext(None, None))
                    )
                except MorphologyError as error:
                    logger.warning("morphology of subject %s skipped: %s", pk, error.message)
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))
    return done


# --- The job ---------------------------------------------------------------------------------------------


class MorphologyAlreadyActive(MorphologyError):
    def __init__(self, run: MorphologyRun) -> None:
        super().__init__(
            f"morphology run #{run.pk} is already {run.status}; wait for it or cancel it",
            code="morphology_run_active",
            status=409,
        )
        self.run = run


def morphology_run_start(
    *, user: User | None, only_missing: bool = True, queue: bool = True
) -> MorphologyRun:
    """Queue the measurement of every subject (only those not yet measured, by default)."""
    run = job_create_exclusive(
        MorphologyRun,
        lambda: MorphologyRun.objects.create(requested_by=user, only_missing=only_missing),
        MorphologyAlreadyActive,
    )
    if queue:
        job_enqueue(run)
    return run


def morphology_run_execute(run_id: int) -> None:
    """The task's body: measure the subjects in chunks, progress on the row after each chunk."""

    def measure(run: MorphologyRun, attempt: JobRun) -> int:
        ids = subjects_to_measure(only_missing=run.only_missing)
        attempt.beat(total=len(ids))
        attempt.check()

        def progress(done: int, total: int) -> None:
            attempt.beat(done=done)
            attempt.check()

        morphology_measure_subjects(ids, progress=progress)
        return len(ids)

    counted_job_execute(MorphologyRun, run_id, measure)
