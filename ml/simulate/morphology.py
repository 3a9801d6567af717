"""The morphology truth of a simulated cluster: its shape parameters and its true c, w and P3/P0.

The true values are those of the noiseless model through the very estimator the data go through
(:func:`ml.morphology.measure_morphology`, same apertures, same annulus, same peak): the expected
counts of the cluster's extended components alone, PSF-convolved as rendered, on a uniform exposure
with no gaps, no background, no point source and no Poisson noise. A measurement on the observed image
differs from it only by what the data add: noise, background, point sources, vignetting and gaps.
Written to ``morphology.csv`` beside the other truth tables (never ingested as a subject property).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ml.morphology import dynamical_class, measure_morphology
from ml.morphology.measure import MorphologyImage
from ml.simulate import physics
from ml.simulate.params import SimulationParams
from ml.simulate.truth import CandidateTruth
from ml.simulate.xray import render_xray

MORPHOLOGY_COLUMNS: tuple[str, ...] = (
    "morphology",
    "core_radius_kpc",
    "beta",
    "axis_ratio",
    "pa_deg",
    "offset_x_arcsec",
    "offset_y_arcsec",
    "second_fraction",
    "second_separation_kpc",
    "second_core_radius_kpc",
    "r500_kpc",
    "c_santos",
    "c_maughan",
    "w",
    "p3p0",
    "dynamical_state",
)


def r500_kpc(lx_erg_s: float, z: float) -> float:
    """An approximate r500 for a cluster of soft-band luminosity ``lx_erg_s`` at ``z``: 900 kpc at
    1e44 erg/s, scaling as L^0.2 (L ~ M^1.6, Pratt et al. 2009) and shrinking as 1/E(z)."""
    e_z = math.sqrt(0.3 * (1.0 + z) ** 3 + 0.7)
    return 900.0 * (lx_erg_s / 1e44) ** 0.2 / e_z


def cluster_shape(truth: CandidateTruth) -> dict[str, Any]:
    """The drawn shape parameters: main component, and the second one (cool core or substructure)."""
    if not truth.extended or truth.redshift is None:
        return {}
    kpc = physics.kpc_per_arcsec(truth.redshift)
    main = truth.extended[0]
    shape: dict[str, Any] = {
        "morphology": truth.morphology,
        "core_radius_kpc": round(main.rc_arcsec * kpc, 2),
        "beta": round(main.beta, 4),
        "axis_ratio": round(main.axis_ratio, 4),
        "pa_deg": round(main.pa_deg, 2),
        "offset_x_arcsec": round(main.x_arcsec, 3),
        "offset_y_arcsec": round(main.y_arcsec, 3),
        "second_fraction": 0.0,
        "second_separation_kpc": 0.0,
        "second_core_radius_kpc": None,
    }
    if len(truth.extended) > 1:
        second = truth.extended[1]
        total = sum(c.rate for c in truth.extended)
        shape["second_fraction"] = round(second.rate / total, 4)
        sep = math.hypot(second.x_arcsec - main.x_arcsec, second.y_arcsec - main.y_arcsec)
        shape["second_separation_kpc"] = round(sep * kpc, 2)
        shape["second_core_radius_kpc"] = round(second.rc_arcsec * kpc, 2)
    if truth.lx_erg_s is not None:
        shape["r500_kpc"] = round(r500_kpc(truth.lx_erg_s, truth.redshift), 1)
    return shape


def noiseless_cluster_image(truth: CandidateTruth, params: SimulationParams) -> MorphologyImage:
    """Expected counts of the extended components alone (no noise, background, gaps or points)."""
    clean = dataclasses.replace(params, background=False, field_sources=False, vignetting=False,
                                detector_gaps=False, poisson=False, render_optical=False,
                                domain=None)  # fmt: skip
    only_gas = dataclasses.replace(truth, points=(), streaks=(), hot_pixels=(), shells=())
    images = render_xray(np.random.default_rng(0), only_gas, clean)
    return MorphologyImage(
        counts=np.asarray(images.counts, dtype=np.float64),
        exposure=np.full(images.counts.shape, truth.pointing.exposure_s),
        pixel_arcsec=params.xray_pixel_arcsec,
    )


def true_morphology(truth: CandidateTruth, params: SimulationParams) -> dict[str, Any]:
    """Shape parameters plus the true c_santos, c_maughan (with the truth r500), w and P3/P0."""
    shape = cluster_shape(truth)
    if not shape:
        return {}
    measured = measure_morphology(
        noiseless_cluster_image(truth, params),
        redshift=truth.redshift,
        r500_kpc=shape.get("r500_kpc"),
        detect_sources=False,
        n_resample=0,
        min_net_counts=0.0,
    )
    values = measured.values()
    for key in ("c_santos", "c_maughan", "w", "p3p0"):
        value = values[key]
        shape[key] = None if value is None else float(f"{value:.5g}")
    shape["dynamical_state"] = dynamical_class(shape["c_santos"], shape["w"])
    return shape
