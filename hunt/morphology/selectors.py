"""Reading morphology: a subject's row (shown only after the volunteer classified it), the c-w plot's points,
and the properties the latent map can be coloured by."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Max

from hunt.catalogues.models import CatalogueMatch
from hunt.classify.models import SubjectStatus
from hunt.learning.models import ModelVersion, Prediction
from hunt.morphology.models import SubjectMorphology

CANDIDATE_MIN_PROBABILITY = 0.5
GROUPS = (
    ("catalogue", "Catalogue clusters"),
    ("crowd", "Crowd candidates (posterior P(cluster) >= 0.5)"),
    ("model", "Model candidates (P(cluster) >= 0.5)"),
)


def _version() -> str:
    from ml.morphology import MEASURE_VERSION

    return MEASURE_VERSION


def subject_morphology(subject_id: int) -> SubjectMorphology | None:
    """The subject's row at the current measure version, if measured."""
    return SubjectMorphology.objects.filter(subject_id=subject_id, version=_version()).first()


def morphology_for_viewer(*, subject_id: int, user: Any, volunteer: Any) -> dict[str, Any] | None:
    """The subject's morphology for this viewer: scientists and admins always; a volunteer only once they
    have classified the subject (never before, so it cannot bias the answer); None otherwise or unmeasured.

    The same rule as the model's scores in "more like this" (hunt.similarity.selectors)."""
    from hunt.accounts.roles import is_scientist
    from hunt.classify.models import Classification

    if not is_scientist(user):
        if volunteer is None or volunteer.pk is None:
            return None
        if not Classification.objects.filter(volunteer=volunteer, subject_id=subject_id).exists():
            return None
    return morphology_display(subject_morphology(subject_id))


def morphology_display(row: SubjectMorphology | None) -> dict[str, Any] | None:
    """What the subject and Talk pages show: values with errors, classes with their references."""
    from ml.morphology import REFERENCES, cool_core_class, dynamical_class

    if row is None:
        return None
    cool_core = cool_core_class(row.c_santos)
    return {
        "row": row,
        "ok": row.status == SubjectMorphology.Status.OK,
        "cool_core": cool_core,
        "cool_core_label": cool_core.replace("_", " ") if cool_core else "",
        "state": dynamical_class(row.c_santos, row.w),
        "references": REFERENCES,
    }


@dataclass(frozen=True)
class PlotPoint:
    subject_id: int
    group: str
    c: float
    w: float
    c_err: float | None
    w_err: float | None


def plot_points() -> list[PlotPoint]:
    """Measured clusters and candidates: catalogue-matched subjects, then the crowd's, then the serving
    model's candidates (each subject once, in the first group it belongs to)."""
    rows = SubjectMorphology.objects.filter(
        version=_version(),
        status=SubjectMorphology.Status.OK,
        c_santos__isnull=False,
        w__isnull=False,
    ).values_list("subject_id", "c_santos", "w", "c_santos_err", "w_err")
    measured = {r[0]: r for r in rows}
    ids = list(measured)
    catalogue = set(
        CatalogueMatch.objects.filter(subject_id__in=ids).values_list("subject_id", flat=True)
    )
    crowd = set(
        SubjectStatus.objects.filter(subject_id__in=ids)
        .values("subject_id")
        .annotate(top=Max("posterior_cluster"))
        .filter(top__gte=CANDIDATE_MIN_PROBABILITY)
        .values_list("subject_id", flat=True)
    )
    champion = ModelVersion.objects.filter(is_champion=True).first()
    model: set[int] = set()
    if champion is not None:
        model = set(
            Prediction.objects.filter(
                model_version=champion,
                subject_id__in=ids,
                cluster_probability__gte=CANDIDATE_MIN_PROBABILITY,
            ).values_list("subject_id", flat=True)
        )
    points = []
    for pk in sorted(ids):
        group = next(
            (name for name, members in (("catalogue", catalogue), ("crowd", crowd), ("model", model))
             if pk in members),
            None,
        )  # fmt: skip
        if group is None:
            continue
        _, c, w, c_err, w_err = measured[pk]
        assert c is not None
        assert w is not None
        points.append(PlotPoint(pk, group, c, w, c_err, w_err))
    return points


def _values(ids: Sequence[int], field: str) -> np.ndarray:
    rows = SubjectMorphology.objects.filter(
        subject_id__in=list(ids), version=_version(), status=SubjectMorphology.Status.OK
    ).values_list("subject_id", field)
    found = {pk: np.nan if value is None else float(value) for pk, value in rows}
    return np.array([found.get(pk, np.nan) for pk in ids], dtype=np.float64)


def register_properties() -> None:
    from hunt.similarity.properties import SubjectProperty, property_register

    property_register(
        SubjectProperty(
            "c_santos", "Concentration c (Santos)", "number",
            lambda ids, version: _values(ids, "c_santos"),
            "S(<40 kpc)/S(<400 kpc), Santos et al. 2008",
        )
    )  # fmt: skip
    property_register(
        SubjectProperty(
            "centroid_shift", "Centroid shift w", "number",
            lambda ids, version: _values(ids, "w"),
            "Poole et al. 2006",
        )
    )  # fmt: skip
