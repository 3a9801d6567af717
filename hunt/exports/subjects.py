"""The per-subject table: where each subject stands in a workflow, with what the experts, the catalogues
and the model say about it. Read in keyset pages, so a streamed CSV holds one page in memory at a time."""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from hunt.catalogues.models import CatalogueMatch
from hunt.classify.models import SubjectStatus, Workflow
from hunt.exports.classifications import iso
from hunt.exports.filters import ExportFilters
from hunt.learning.models import ModelVersion, Prediction
from hunt.learning.selectors import champion
from hunt.learning.snapshots import consensus_label
from hunt.subjects.labels import TruthRole
from hunt.subjects.models import ExpertLabel

PAGE = 2000
MORPHOLOGY_KEY = "morphology"


@dataclass(frozen=True)
class Field:
    """A column: its name, numpy-style type (i8, f8, bool, str), unit and description (kept in ECSV,
    FITS, VOTable and Parquet metadata)."""

    name: str
    dtype: str
    unit: str = ""
    description: str = ""
    # IVOA Unified Content Descriptor (VOTable FIELD ucd; ECSV keeps it in the column meta): TOPCAT and Aladin
    # find the position columns by it.
    ucd: str = ""


# The main position of each row, as the IVOA UCD1+ vocabulary names it.
RA_UCD = "pos.eq.ra;meta.main"
DEC_UCD = "pos.eq.dec;meta.main"


ANSWER_COLUMNS = ("cluster", "galaxy", "point", "other")

FIELDS: tuple[Field, ...] = (
    Field("subject_id", "i8", description="Cluster Hunt subject id"),
    Field("external_id", "str", description="Identifier in the source data"),
    Field("subject_set", "str", description="Subject set (slug)"),
    Field("ra", "f8", "deg", "Right ascension (ICRS)", RA_UCD),
    Field("dec", "f8", "deg", "Declination (ICRS)", DEC_UCD),
    Field("split", "str", description="Sky split: train, validation, test (locked) or guard"),
    Field(
        "is_gold", "bool", description="Gold-standard subject (an expert label in the gold role)"
    ),
    Field("classification_count", "i8", description="Volunteer classifications"),
    *(Field(f"votes_{a}", "i8", description=f"Votes for '{a}'") for a in ANSWER_COLUMNS),
    Field("votes_cluster_low", "i8", description="Cluster votes saying low redshift"),
    Field("votes_cluster_high", "i8", description="Cluster votes saying high redshift"),
    *(
        Field(f"fraction_{a}", "f8", description=f"Share of votes for '{a}'")
        for a in ANSWER_COLUMNS
    ),
    Field("consensus", "str", description="Majority class (as trained on); empty without votes"),
    Field("agreement", "f8", description="Share of votes for the majority answer"),
    Field("retired", "bool", description="Retired (needs no more classifications)"),
    Field("retired_at", "str", description="When it retired (ISO 8601, UTC)"),
    Field("retirement_reason", "str", description="Rule that retired it"),
    Field(
        "expert_label",
        "str",
        description="Expert label (gold first, then training, then evaluation)",
    ),
    Field("expert_source", "str", description="Who gave the expert label"),
    Field(
        "expert_role",
        "str",
        description="What the label may be used for: gold, training, evaluation",
    ),
    Field("catalogue", "str", description="Reference catalogue of the match"),
    Field("catalogue_id", "str", description="Matched catalogue entry"),
    Field("catalogue_separation", "f8", "arcsec", "Separation from the matched entry"),
    Field("model_cluster_probability", "f8", description="Serving model's calibrated p(cluster)"),
    Field("model_uncertainty", "f8", description="Serving model's uncertainty (MC dropout)"),
    # X-ray morphology (hunt.morphology, docs/morphology.md) at the current measure version.
    Field(
        "morphology_status", "str", description="ok, not_enough_counts, or empty if not measured"
    ),
    Field("morphology_net_counts", "f8", "ct", "Net X-ray counts within the w aperture"),
    Field("c_santos", "f8", "", "Concentration S(<40 kpc)/S(<400 kpc), Santos et al. 2008 (ratio)"),
    Field("c_santos_err", "f8", "", "Poisson error of c_santos"),
    Field(
        "c_maughan", "f8", "", "Concentration S(<0.15 r500)/S(<r500), Maughan et al. 2012 (ratio)"
    ),
    Field("c_maughan_err", "f8", "", "Poisson error of c_maughan"),
    Field(
        "centroid_shift_w",
        "f8",
        "",
        "Centroid shift w in units of the aperture radius (Poole+2006)",
    ),
    Field("centroid_shift_w_err", "f8", "", "Poisson error of centroid_shift_w"),
    Field("morphology_aperture", "f8", "kpc", "Radius of the w and P3/P0 aperture"),
    Field("power_ratio_p3p0", "f8", "", "Power ratio P3/P0 (noise bias corrected)"),
    Field("power_ratio_p3p0_err", "f8", "", "Poisson error of power_ratio_p3p0"),
    Field(
        "morphology_redshift_assumed",
        "bool",
        description="No redshift known: the apertures assume one (docs/morphology.md)",
    ),
)

_MORPHOLOGY_VALUES = (
    "n_net_counts", "c_santos", "c_santos_err", "c_maughan", "c_maughan_err", "w", "w_err",
    "aperture_kpc", "p3p0", "p3p0_err",
)  # fmt: skip


def _morphology_keys(statuses: QuerySet[SubjectStatus]) -> list[str]:
    """Numeric morphology measures stored on subjects (`metadata["morphology"]`), when any are."""
    with_morphology = statuses.filter(subject__metadata__has_key=MORPHOLOGY_KEY)
    if not with_morphology.exists():
        return []
    keys: set[str] = set()
    for metadata in with_morphology.values_list("subject__metadata", flat=True).iterator():
        values = metadata.get(MORPHOLOGY_KEY)
        if isinstance(values, dict):
            keys.update(k for k, v in values.items() if isinstance(v, int | float))
    return sorted(keys)


def subject_fields(statuses: QuerySet[SubjectStatus]) -> list[Field]:
    morphology = [
        Field(f"morph_{key}", "f8", description=f"Morphology measure '{key}'")
        for key in _morphology_keys(statuses)
    ]
    return [*FIELDS, *morphology]


# Which label a subject's row shows when it has several: the most trusted role first.
_ROLE_RANK = {TruthRole.GOLD: 0, TruthRole.TRAINING: 1, TruthRole.EVALUATION: 2}


def _experts(subject_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """(label, source, role) per subject, the most trusted role first (then the source's name)."""
    chosen: dict[int, tuple[str, str, str]] = {}
    labels = ExpertLabel.objects.filter(subject_id__in=subject_ids).order_by("subject_id", "source")
    for subject_id, source, label, role in labels.values_list(
        "subject_id", "source", "label", "role"
    ):
        current = chosen.get(subject_id)
        if current is None or _ROLE_RANK[TruthRole(role)] < _ROLE_RANK[TruthRole(current[2])]:
            chosen[subject_id] = (label, source, role)
    return chosen


def _matches(subject_ids: list[int], catalogue: int | None) -> dict[int, tuple[str, str, float]]:
    """The match per subject: in the named catalogue, else an identifier match, else the closest."""
    matches = CatalogueMatch.objects.filter(subject_id__in=subject_ids)
    if catalogue is not None:
        matches = matches.filter(catalogue_id=catalogue)
    chosen: dict[int, tuple[str, str, float]] = {}
    rank: dict[int, float] = {}
    rows = matches.values_list(
        "subject_id", "catalogue__name", "entry__source_id", "separation_arcsec", "method"
    )
    for subject_id, name, source_id, separation, method in rows:
        score = -1.0 if method == CatalogueMatch.Method.ID else (separation or 0.0)
        if subject_id not in rank or score < rank[subject_id]:
            rank[subject_id] = score
            chosen[subject_id] = (name, source_id, math.nan if separation is None else separation)
    return chosen


def _predictions(
    model: ModelVersion | None, subject_ids: list[int]
) -> dict[int, tuple[float, float]]:
    if model is None:
        return {}
    rows = Prediction.objects.filter(model_version=model, subject_id__in=subject_ids)
    return {
        subject_id: (probability, uncertainty)
        for subject_id, probability, uncertainty in rows.values_list(
            "subject_id", "cluster_probability", "uncertainty"
        )
    }


def _morphologies(subject_ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """(status, *values, redshift_assumed) per measured subject, at the current measure version."""
    from hunt.morphology.models import SubjectMorphology
    from ml.morphology import MEASURE_VERSION

    rows = SubjectMorphology.objects.filter(
        subject_id__in=subject_ids, version=MEASURE_VERSION
    ).values_list("subject_id", "status", *_MORPHOLOGY_VALUES, "redshift_assumed")
    return {row[0]: row[1:] for row in rows}


_NOT_MEASURED: tuple[Any, ...] = ("", *(None for _ in _MORPHOLOGY_VALUES), False)


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def subject_rows(
    statuses: QuerySet[SubjectStatus],
    fields: list[Field],
    *,
    catalogue: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[Any]]:
    """One list per subject, in `fields` order, page by page (keyset on subject id)."""
    morphology = [field.name.removeprefix("morph_") for field in fields[len(FIELDS) :]]
    model = champion()
    last, done = -1, 0
    while True:
        page = list(
            statuses.filter(subject_id__gt=last)
            .select_related("subject", "subject__subject_set", "workflow")
            .order_by("subject_id")[:PAGE]
        )
        if not page:
            return
        ids = [status.subject_id for status in page]
        experts = _experts(ids)
        matches = _matches(ids, catalogue)
        predictions = _predictions(model, ids)
        measured = _morphologies(ids)
        for status in page:
            yield _subject_row(status, experts, matches, predictions, morphology, measured)
        last = ids[-1]
        done += len(page)
        if progress is not None:
            progress(done)


def _subject_row(
    status: SubjectStatus,
    experts: dict[int, tuple[str, str, str]],
    matches: dict[int, tuple[str, str, float]],
    predictions: dict[int, tuple[float, float]],
    morphology: list[str],
    measured: dict[int, tuple[Any, ...]],
) -> list[Any]:
    subject = status.subject
    total = status.classification_count
    counts = status.answer_counts()
    fractions = [counts[a] / total if total else math.nan for a in ANSWER_COLUMNS]
    consensus, agreement = "", math.nan
    if total:
        consensus, agreement, _ = consensus_label(status)
    expert_label, expert_source, expert_role = experts.get(subject.pk, ("", "", ""))
    catalogue, catalogue_id, separation = matches.get(subject.pk, ("", "", math.nan))
    probability, uncertainty = predictions.get(subject.pk, (math.nan, math.nan))
    measures = (subject.metadata or {}).get(MORPHOLOGY_KEY) or {}
    status_name, *values, assumed = measured.get(subject.pk, _NOT_MEASURED)
    return [
        subject.pk, subject.external_id, subject.subject_set.slug, _nan(subject.ra), _nan(subject.dec),
        subject.split, status.is_gold, total, *(counts[a] for a in ANSWER_COLUMNS), status.cluster_low_count,
        status.cluster_high_count, *fractions, consensus, agreement, status.retired_at is not None,
        iso(status.retired_at) if status.retired_at else "", status.retirement_reason, expert_label,
        expert_source, expert_role, catalogue, catalogue_id, separation, probability, uncertainty,
        status_name, *(_nan(v) for v in values), bool(assumed),
        *(_nan(measures.get(key)) for key in morphology),
    ]  # fmt: skip


def subject_table_meta(filters: ExportFilters, workflow: Workflow) -> dict[str, str]:
    model = champion()
    return {
        "origin": "Cluster Hunt",
        "workflow": workflow.slug,
        "model": f"v{model.pk}" if model else "",
    }


def csv_cell(value: Any) -> Any:
    """CSV leaves missing numbers empty (pandas and astropy read an empty cell as missing)."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return value
