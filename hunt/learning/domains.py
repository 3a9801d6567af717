"""Domains of a model: per-survey calibration, the input range it was trained on, and warnings outside it.

A "domain" is a subject set: one survey or instrument set-up. A model trained on a mixture is calibrated on the
mixture; a set whose validation regions hold enough labels gets its own temperature, fitted on those labels
alone, and its predictions use it. A set the model saw no labels of keeps the global temperature, and the
dashboard warns when its inputs (pixel scale, exposure, optical coverage) lie outside what the model was
trained on, because its scores are then an extrapolation.

A subject on the real sky also gets the Galactic absorption prior (`ml.galactic_prior`): towards the Milky
Way's plane fewer background clusters shine through, which no single-band image shows. Simulated skies have
no Galaxy in them, so simulated sets are left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db.models import Count

from hunt.learning.models import Prediction
from hunt.subjects.models import Cutout, Subject, SubjectSet
from ml.galactic_prior import sky_odds_factor

# Fewer validation labels than this (or one class only) and a set's own temperature would be noise.
MIN_DOMAIN_LABELS = 40
# The training range of a numeric input: these percentiles of the training subjects.
RANGE_PERCENTILES = (1.0, 99.0)


def sky_prior_factors(subject_ids: Sequence[int]) -> np.ndarray:
    """The Galactic prior's factor on the cluster odds per subject, in order; NaN where it does not apply.

    It applies to subjects with a position in a set that is not simulated.
    """
    observed = Subject.objects.filter(pk__in=list(subject_ids)).exclude(
        subject_set__kind=SubjectSet.Kind.SIMULATED
    )
    rows = {pk: (ra, dec) for pk, ra, dec in observed.values_list("pk", "ra", "dec")}
    ra = np.array([rows.get(pk, (None, None))[0] for pk in subject_ids], dtype=np.float64)
    dec = np.array([rows.get(pk, (None, None))[1] for pk in subject_ids], dtype=np.float64)
    factor = sky_odds_factor(ra, dec)
    factor[~(np.isfinite(ra) & np.isfinite(dec))] = np.nan
    return factor


def domain_temperatures(
    subject_ids: Sequence[int], logits: np.ndarray, labels: np.ndarray
) -> dict[str, dict[str, float]]:
    """{subject set id (str, for JSON): {"temperature", "n"}} for the sets with enough validation labels."""
    # Imported here: the dashboard imports this module for `input_warnings`; web processes need no scipy.
    from ml.learning.calibrate import fit_temperature

    set_of = dict(
        Subject.objects.filter(pk__in=list(subject_ids)).values_list("pk", "subject_set_id")
    )
    sets = np.asarray([set_of[pk] for pk in subject_ids], dtype=np.int64)
    out: dict[str, dict[str, float]] = {}
    for set_id in np.unique(sets).tolist():
        mask = sets == set_id
        y = labels[mask]
        if mask.sum() < MIN_DOMAIN_LABELS or y.min() == y.max():
            continue
        out[str(set_id)] = {
            "temperature": fit_temperature(logits[mask], y.astype(np.float64)),
            "n": int(mask.sum()),
        }
    return out


def _facts(
    subject_ids: Sequence[int] | None, subject_set: SubjectSet | None = None
) -> dict[str, Any]:
    """Pixel scales, exposures and the optical share of some subjects (by ids, or a whole set)."""
    subjects = Subject.objects.all()
    cutouts = Cutout.objects.all()
    if subject_ids is not None:
        subjects = subjects.filter(pk__in=list(subject_ids))
        cutouts = cutouts.filter(subject_id__in=list(subject_ids))
    if subject_set is not None:
        subjects = subjects.filter(subject_set=subject_set)
        cutouts = cutouts.filter(subject__subject_set=subject_set)
    n = subjects.count()
    scales = [
        s
        for s in cutouts.filter(band=Cutout.Band.XRAY).values_list("pixel_scale_arcsec", flat=True)
        if s
    ]
    exposures = [
        float(m["exposure_s"])
        for m in subjects.values_list("metadata", flat=True)
        if isinstance((m or {}).get("exposure_s"), int | float)
    ]
    optical = cutouts.filter(band=Cutout.Band.OPTICAL).count()
    return {
        "n": n,
        "scales": scales,
        "exposures": exposures,
        "optical_share": optical / n if n else 0.0,
    }


def _range(values: list[float]) -> list[float] | None:
    if not values:
        return None
    low, high = np.percentile(np.asarray(values, dtype=np.float64), RANGE_PERCENTILES)
    return [float(low), float(high)]


def training_inputs(subject_ids: Sequence[int]) -> dict[str, Any]:
    """The range of inputs a model learnt from (stored with the model version)."""
    facts = _facts(subject_ids)
    return {
        "n": facts["n"],
        "pixel_scale_arcsec": _range(facts["scales"]),
        "exposure_s": _range(facts["exposures"]),
        "optical_share": facts["optical_share"],
    }


def input_warnings(
    trained: dict[str, Any], subject_sets: Sequence[SubjectSet], model_version_id: int | None = None
) -> list[dict[str, str]]:
    """One warning per subject set whose inputs lie outside the model's training range.

    With `model_version_id`, also the sets where that model's stored predictions carry a Galactic prior
    below 1 (subjects near the plane), counted from the factors the pipeline stored.
    """
    lowered: dict[int, int] = {}
    if model_version_id is not None:
        lowered = dict(
            Prediction.objects.filter(model_version_id=model_version_id, sky_prior__lt=1.0)
            .values("subject__subject_set")
            .annotate(n=Count("pk"))
            .values_list("subject__subject_set", "n")
        )
    warnings = []
    for subject_set in subject_sets:
        facts = _facts(None, subject_set)
        if not facts["n"]:
            continue
        reasons = []
        for key, what, values, unit in (
            ("pixel_scale_arcsec", "pixel scale", facts["scales"], '"/px'),
            ("exposure_s", "exposure", facts["exposures"], " s"),
        ):
            span = trained.get(key)
            if not span or not values:
                continue
            median = float(np.median(values))
            if not span[0] <= median <= span[1]:
                reasons.append(
                    f"median {what} {median:.3g}{unit} "
                    f"outside the training range {span[0]:.3g}-{span[1]:.3g}{unit}"
                )
        if trained.get("optical_share", 0) > 0 and facts["optical_share"] == 0:
            reasons.append("X-ray only (no optical band): read the X-ray-only figures")
        behind_the_plane = lowered.get(subject_set.pk, 0)
        if behind_the_plane:
            reasons.append(
                f"{behind_the_plane} of {facts['n']} subjects lie near the Galactic plane, where no cluster "
                "survey the model learnt from looks: their p(cluster) carries the Galactic absorption prior"
            )
        if reasons:
            warnings.append({"subject_set": subject_set.name, "reason": "; ".join(reasons)})
    return warnings
