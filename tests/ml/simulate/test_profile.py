"""The surface-brightness profile of a stacked simulated cluster is the beta model put in."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.optimize import curve_fit

from ml.simulate.candidate import render_candidate
from tests.ml.simulate.builders import CLEAN, cluster_truth


def _radial_profile(
    image: np.ndarray, pixel_arcsec: float, edges: np.ndarray
) -> tuple[np.ndarray, ...]:
    n = image.shape[0]
    grid = (np.arange(n) - (n - 1) / 2.0) * pixel_arcsec
    r = np.hypot(grid[None, :], grid[:, None])
    which = np.digitize(r.ravel(), edges) - 1
    valid = (which >= 0) & (which < len(edges) - 1)
    counts = np.bincount(which[valid], weights=image.ravel()[valid], minlength=len(edges) - 1)
    npix = np.bincount(which[valid], minlength=len(edges) - 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    return centres, counts / npix, np.sqrt(np.maximum(counts, 1.0)) / npix


def _beta(r: np.ndarray, s0: float, rc: float, beta: float) -> np.ndarray:
    return s0 * (1.0 + (r / rc) ** 2) ** (-3.0 * beta + 0.5)


def test_core_radius_and_beta_are_recovered_from_a_stack() -> None:
    rc_true, beta_true = 40.0, 0.65
    truth = cluster_truth(rate=0.5, rc_arcsec=rc_true, beta=beta_true, exposure_s=15_000.0)
    params = replace(CLEAN, background=True)  # background present, then subtracted
    stack = np.zeros((params.xray_npix, params.xray_npix))
    background = np.zeros_like(stack)
    for seed in range(8):
        cand = render_candidate(np.random.default_rng(seed), truth, params)
        stack += cand.xray
        background += cand.xray_background_model
    edges = np.linspace(6.0, 200.0, 30)
    r, profile, error = _radial_profile(stack - background, params.xray_pixel_arcsec, edges)
    fitted, _ = curve_fit(_beta, r, profile, p0=(profile[0], 20.0, 0.55), sigma=error)
    _, rc_fit, beta_fit = fitted
    assert abs(rc_fit / rc_true - 1.0) < 0.15
    assert abs(beta_fit - beta_true) < 0.05


def test_ellipticity_and_a_second_component_change_the_image() -> None:
    round_truth = cluster_truth(rate=1.0, rc_arcsec=30.0)
    comp = round_truth.extended[0]
    elongated = replace(round_truth, extended=(replace(comp, axis_ratio=0.5, pa_deg=0.0),))
    params = replace(CLEAN, poisson=False)
    img_round = render_candidate(np.random.default_rng(0), round_truth, params).xray
    img_long = render_candidate(np.random.default_rng(0), elongated, params).xray
    centre = params.xray_npix // 2
    # pa = 0 puts the major axis along x (columns): the row through the centre is wider.
    assert img_long[centre, centre + 20] > img_long[centre + 20, centre]
    assert np.isclose(img_round[centre, centre + 20], img_round[centre + 20, centre], rtol=1e-3)
