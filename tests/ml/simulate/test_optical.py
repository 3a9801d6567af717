"""Optical images: stamps drawn right, cluster galaxies where they belong, nearby galaxies big."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy.optimize import brentq

from ml.simulate.candidate import render_candidate, simulate_candidate
from ml.simulate.draw import draw_truth
from ml.simulate.optical import (
    PROFILE_MIXTURES,
    _draw_gaussians,
    _gaussian_components,
    field_objects,
    plate_noise_sigma,
)
from ml.simulate.params import SimulationParams
from ml.simulate.truth import OpticalSources

PARAMS = SimulationParams()
QUIET = replace(PARAMS, field_sources=False, poisson=False)


def test_stamps_equal_a_full_frame_evaluation() -> None:
    objects = field_objects(np.random.default_rng(4), PARAMS)
    comps = _gaussian_components(objects, 0.6, PARAMS)
    n = PARAMS.optical_npix
    fast = np.zeros((n, n))
    _draw_gaussians(fast, comps, floor=1e-9)
    x, y, amp, cxx, cxy, cyy = comps
    det = cxx * cyy - cxy**2
    grid = np.arange(n, dtype=float)
    slow = np.zeros((n, n))
    for i in range(len(x)):
        dx, dy = grid[None, :] - x[i], grid[:, None] - y[i]
        q = (cyy[i] * dx**2 - 2 * cxy[i] * dx * dy + cxx[i] * dy**2) / det[i]
        slow += amp[i] / (2 * np.pi * math.sqrt(det[i])) * np.exp(-0.5 * q)
    assert np.allclose(fast, slow, rtol=1e-6, atol=1e-6 * slow.max())


def test_profile_mixtures_have_the_half_light_radius_of_their_sersic() -> None:
    for code in (1, 2):
        weights, sigmas = PROFILE_MIXTURES[code]
        assert abs(sum(weights) - 1.0) < 1e-3

        def enclosed(
            r: float, w: tuple[float, ...] = weights, s: tuple[float, ...] = sigmas
        ) -> float:
            return (
                sum(wi * (1 - math.exp(-0.5 * (r / si) ** 2)) for wi, si in zip(w, s, strict=True))
                - 0.5
            )

        # n = 4 was fitted inside 8 r_e, where it holds ~90 % of its light: r_half a bit below r_e.
        assert 0.8 < brentq(enclosed, 1e-3, 10.0) < 1.05


def _light(cand_optical: np.ndarray, params: SimulationParams, radius_arcsec: float) -> float:
    n = params.optical_npix
    grid = (np.arange(n) - (n - 1) / 2.0) * params.optical_pixel_arcsec
    r = np.hypot(grid[None, :], grid[:, None])
    return float((cand_optical[r <= radius_arcsec] - params.optical_sky_adu).sum())


def test_low_z_clusters_show_more_galaxy_light_than_high_z() -> None:
    lows, highs = [], []
    for i in range(20):
        low = draw_truth(np.random.default_rng(i), "cluster_low_z", PARAMS)
        high = draw_truth(np.random.default_rng(i), "cluster_high_z", PARAMS)
        lows.append(
            _light(render_candidate(np.random.default_rng(0), low, QUIET).optical, QUIET, 120.0)
        )
        highs.append(
            _light(render_candidate(np.random.default_rng(0), high, QUIET).optical, QUIET, 120.0)
        )
    assert np.median(lows) > 3.0 * np.median(highs)


def test_cluster_galaxies_crowd_towards_the_cluster_centre() -> None:
    inner = outer = 0
    for i in range(30):
        t = draw_truth(np.random.default_rng(i), "cluster_low_z", PARAMS)
        r = np.hypot(t.optical.x_arcsec, t.optical.y_arcsec)
        inner += int(np.count_nonzero(r < 60.0))
        outer += int(np.count_nonzero((r >= 120.0) & (r < 180.0)))
    inner_density = inner / (math.pi * 60.0**2)
    outer_density = outer / (math.pi * (180.0**2 - 120.0**2))
    assert inner_density > 2.0 * outer_density


def test_nearby_galaxies_are_bigger_than_point_counterparts() -> None:
    def second_moment(cls: str) -> float:
        sizes = []
        for i in range(12):
            cand = simulate_candidate(np.random.default_rng(i), cls, QUIET)
            light = np.clip(cand.optical.astype(float) - QUIET.optical_sky_adu, 0.0, None)
            n = light.shape[0]
            grid = np.arange(n) - (n - 1) / 2.0
            r2 = grid[None, :] ** 2 + grid[:, None] ** 2
            sizes.append((light * r2).sum() / max(light.sum(), 1e-9))
        return float(np.median(sizes))

    assert second_moment("galaxy") > 2.0 * second_moment("point")


def test_an_empty_plate_has_the_noise_of_its_limiting_magnitude() -> None:
    empty = replace(draw_truth(np.random.default_rng(0), "other", PARAMS), optical=OpticalSources())
    params = replace(PARAMS, field_sources=False)
    image = render_candidate(np.random.default_rng(1), empty, params).optical
    assert abs(np.median(image) / params.optical_sky_adu - 1.0) < 0.01
    assert abs(np.std(image) / plate_noise_sigma(params) - 1.0) < 0.05
