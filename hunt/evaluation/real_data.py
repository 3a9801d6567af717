"""The standing real-data benchmark on the dashboard: a model's scores on the real X-ray fields.

The real fields (XCS Abell 907, Abell 1835, the XMM-Newton pipeline fields, Chandra NGC 4649) are loaded with
evaluation-only labels, so no model ever trains on them. Their truth is the source list's: extended (a cluster
when a reference catalogue confirms it, or when the list names it), point, other (extended emission that is
not a cluster, e.g. a supernova remnant) or galaxy. The numbers are `ml.benchmarks.real_xmm.real_report`'s,
the same as `bench/transfer.py` prints, computed here from the model's stored predictions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hunt.catalogues.models import CatalogueMatch
from hunt.learning.models import Prediction
from hunt.subjects.labels import CLUSTER_LABELS, Label
from hunt.subjects.models import ExpertLabel, SubjectSet
from ml.benchmarks.real_xmm import (
    CLUSTER,
    EXTENDED,
    GALAXY,
    GROUP_RADIUS_ARCSEC,
    OTHER,
    POINT,
    RealSource,
    real_report,
)
from ml.galactic_prior import apply_cluster_odds
from ml.splits import repeat_groups

REAL_KINDS = (SubjectSet.Kind.XMM_FIELD,)
_ROLE_OF_LABEL = {Label.POINT: POINT, Label.OTHER: OTHER, Label.GALAXY: GALAXY}


def _sources(
    model_version_id: int,
) -> tuple[list[RealSource], list[float], list[float], dict[str, int]]:
    labels = (
        ExpertLabel.objects.filter(subject__subject_set__kind__in=REAL_KINDS)
        .order_by("subject_id", "pk")
        .values_list(
            "subject_id", "label", "notes", "subject__ra", "subject__dec",
            "subject__external_id", "subject__subject_set__name",
        )
    )  # fmt: skip
    first: dict[int, tuple[Any, ...]] = {}
    for row in labels:
        first.setdefault(row[0], row)
    scores = {
        pk: (p, 1.0 if prior is None else prior)
        for pk, p, prior in Prediction.objects.filter(
            model_version_id=model_version_id, subject_id__in=list(first)
        ).values_list("subject_id", "cluster_probability", "sky_prior")
    }
    matched = dict(
        CatalogueMatch.objects.filter(subject_id__in=list(first))
        .order_by("subject_id", "catalogue__name")
        .values_list("subject_id", "entry__source_id")
    )
    rows = [r for pk, r in first.items() if pk in scores and r[3] is not None]
    if not rows:
        return [], [], [], {}
    groups = repeat_groups(
        [r[3] for r in rows], [r[4] for r in rows], radius_arcsec=GROUP_RADIUS_ARCSEC
    )
    # A catalogue match names a whole group: one-to-one matching gives the entry to one observation only.
    confirmed: dict[int, str] = {}
    for r, g in zip(rows, groups.tolist(), strict=True):
        if r[1] in CLUSTER_LABELS and (r[2] or r[0] in matched):
            confirmed.setdefault(g, r[2] or f"catalogue {matched[r[0]]}")
    sources, p, prior = [], [], []
    for r, g in zip(rows, groups.tolist(), strict=True):
        pk, label, notes, ra, dec, external_id, set_name = r
        if label in CLUSTER_LABELS:
            role = CLUSTER if g in confirmed else EXTENDED
            name = f"{confirmed[g]} [{external_id}]" if g in confirmed else external_id
        else:
            role = _ROLE_OF_LABEL[Label(label)]
            name = notes or external_id
        sources.append(
            RealSource(name, set_name, float(ra), float(dec), role, int(g), target=bool(notes))
        )
        p.append(float(scores[pk][0]))
        prior.append(float(scores[pk][1]))
    sets: dict[str, int] = {}
    for source in sources:
        sets[source.field] = sets.get(source.field, 0) + 1
    return sources, p, prior, sets


def real_benchmark(model_version_id: int) -> dict[str, Any] | None:
    """The real-data report for a model (None when no real field with labels has its predictions)."""
    sources, p, prior, sets = _sources(model_version_id)
    if not sources:
        return None
    # The stored p carries the Galactic prior; dividing its odds back out gives what the model said.
    alone = apply_cluster_odds(p, 1.0 / np.asarray(prior))
    report = real_report(sources, np.asarray(p), model_prob=alone)
    report["subject_sets"] = sets
    return report
