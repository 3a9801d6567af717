"""Per-subject properties the latent map can be coloured by and the latent axes are correlated with.

A registry, so other apps add theirs (X-ray morphology: concentration, centroid shift) from their
AppConfig.ready without this app knowing them:

    property_register(SubjectProperty("concentration", "Concentration c", "number", my_values))

`values(ids, version)` returns one value per subject id, in order: floats (NaN where unknown) for a
"number", strings ("" where unknown) for a "category". Numbers are also correlated with the latent axes.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hunt.learning.models import CLASSES, ModelVersion, Prediction

Values = Callable[[Sequence[int], ModelVersion], np.ndarray]


@dataclass(frozen=True)
class SubjectProperty:
    key: str
    label: str
    kind: Literal["number", "category"]
    values: Values
    description: str = ""


_REGISTRY: dict[str, SubjectProperty] = {}


def property_register(prop: SubjectProperty) -> None:
    if prop.kind not in ("number", "category"):
        raise ValueError(f"property {prop.key}: kind must be 'number' or 'category'")
    _REGISTRY[prop.key] = prop


def properties() -> dict[str, SubjectProperty]:
    return dict(_REGISTRY)


def _floats(ids: Sequence[int], pairs: Iterable[tuple[int, float | None]]) -> np.ndarray:
    found = {pk: np.nan if value is None else float(value) for pk, value in pairs}
    return np.array([found.get(pk, np.nan) for pk in ids], dtype=np.float64)


def _strings(ids: Sequence[int], pairs: Iterable[tuple[int, str]]) -> np.ndarray:
    found = dict(pairs)
    return np.array([found.get(pk, "") for pk in ids], dtype=object)


def _model_probability(ids: Sequence[int], version: ModelVersion) -> np.ndarray:
    rows = Prediction.objects.filter(model_version=version).values_list(
        "subject_id", "cluster_probability"
    )
    return _floats(ids, rows)


def _model_class(ids: Sequence[int], version: ModelVersion) -> np.ndarray:
    rows = Prediction.objects.filter(model_version=version).values_list(
        "subject_id", "class_probabilities"
    )
    best = ((pk, max(CLASSES, key=lambda c: probs.get(c, 0.0))) for pk, probs in rows)
    return _strings(ids, best)


def _crowd_posterior(ids: Sequence[int], version: ModelVersion) -> np.ndarray:
    from hunt.classify.models import SubjectStatus

    rows = SubjectStatus.objects.filter(workflow_id=version.run.snapshot.workflow_id).values_list(
        "subject_id", "posterior_cluster"
    )
    return _floats(ids, rows)


def _expert_rows(ids: Sequence[int]) -> dict[int, tuple[str, float | None]]:
    from hunt.subjects.models import ExpertLabel

    # One label per subject: the first source alphabetically, so the choice is stable.
    rows: dict[int, tuple[str, float | None]] = {}
    for pk, label, redshift in (
        ExpertLabel.objects.filter(subject_id__in=list(ids))
        .order_by("subject_id", "source")
        .values_list("subject_id", "label", "redshift")
    ):
        rows.setdefault(pk, (label, redshift))
    return rows


def _expert_class(ids: Sequence[int], version: ModelVersion) -> np.ndarray:
    from hunt.subjects.labels import expert_class

    rows = _expert_rows(ids)
    return _strings(ids, ((pk, expert_class(label, z)) for pk, (label, z) in rows.items()))


def _expert_is_cluster(ids: Sequence[int], version: ModelVersion) -> np.ndarray:
    from hunt.subjects.labels import CLUSTER_LABELS

    rows = _expert_rows(ids)
    return _floats(ids, ((pk, float(label in CLUSTER_LABELS)) for pk, (label, _) in rows.items()))


def _expert_redshift(ids: Sequence[int], version: ModelVersion) -> np.ndarray:
    return _floats(ids, ((pk, z) for pk, (_, z) in _expert_rows(ids).items()))


def _catalogue_redshift(ids: Sequence[int], version: ModelVersion) -> np.ndarray:
    from hunt.catalogues.models import CatalogueMatch

    rows = (
        CatalogueMatch.objects.filter(subject_id__in=list(ids), entry__redshift__isnull=False)
        .order_by("subject_id", "catalogue_id")
        .values_list("subject_id", "entry__redshift")
    )
    first: dict[int, float | None] = {}
    for pk, z in rows:
        first.setdefault(pk, z)
    return _floats(ids, first.items())


for _prop in (
    SubjectProperty("model_class", "Model class", "category", _model_class,
                    "The 5-class head's most probable class."),
    SubjectProperty("cluster_probability", "Model P(cluster)", "number", _model_probability,
                    "The model's calibrated probability of a cluster (its posterior)."),
    SubjectProperty("crowd_posterior", "Crowd P(cluster)", "number", _crowd_posterior,
                    "The crowd model's posterior probability of a cluster."),
    SubjectProperty("expert_class", "Expert class", "category", _expert_class,
                    "The expert (or simulation) label, clusters split by redshift."),
    SubjectProperty("expert_is_cluster", "Expert: cluster", "number", _expert_is_cluster,
                    "1 where the expert label is a cluster, 0 where it is not."),
    SubjectProperty("redshift", "Redshift (expert)", "number", _expert_redshift,
                    "The expert label's (or simulation's) redshift."),
    SubjectProperty("catalogue_redshift", "Redshift (catalogue)", "number", _catalogue_redshift,
                    "The redshift of the matched reference-catalogue entry."),
):  # fmt: skip
    property_register(_prop)
