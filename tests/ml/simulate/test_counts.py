"""X-ray counts follow rate x exposure, with the beta model's analytic aperture fraction."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ml.simulate.candidate import render_candidate
from ml.simulate.xray import beta_fraction_within
from tests.ml.simulate.builders import CLEAN, cluster_truth

# A negligible PSF: these tests check the beta-model normalisation; test_psf checks the PSF.
SHARP = replace(CLEAN, psf_fwhm_on_axis_arcsec=0.3)


def _aperture(n: int, pixel_arcsec: float, radius_arcsec: float) -> np.ndarray:
    grid = (np.arange(n) - (n - 1) / 2.0) * pixel_arcsec
    return np.hypot(grid[None, :], grid[:, None]) <= radius_arcsec


def test_cluster_counts_in_an_aperture_match_rate_times_exposure_within_poisson_error() -> None:
    truth = cluster_truth(rate=1.5, rc_arcsec=25.0, beta=0.7, exposure_s=20_000.0)
    radius = 150.0
    expected = 1.5 * 20_000.0 * beta_fraction_within(radius, truth.extended[0])
    aperture = _aperture(SHARP.xray_npix, SHARP.xray_pixel_arcsec, radius)
    totals = [
        render_candidate(np.random.default_rng(seed), truth, SHARP).xray[aperture].sum()
        for seed in range(4)
    ]
    for total in totals:
        # 4 sigma Poisson plus 0.5 % for the pixelated aperture edge.
        assert abs(total - expected) < 4.0 * math.sqrt(expected) + 0.005 * expected
    assert len(set(totals)) > 1  # really Poisson draws, not the expectation


def test_noiseless_model_carries_exactly_the_expected_counts() -> None:
    truth = cluster_truth(rate=0.8, rc_arcsec=20.0, beta=0.6)
    params = replace(SHARP, poisson=False)
    cand = render_candidate(np.random.default_rng(0), truth, params)
    for radius in (60.0, 120.0, 180.0):
        aperture = _aperture(params.xray_npix, params.xray_pixel_arcsec, radius)
        expected = 0.8 * 20_000.0 * beta_fraction_within(radius, truth.extended[0])
        assert abs(cand.xray[aperture].sum() / expected - 1.0) < 0.015


def test_background_counts_follow_the_configured_rates() -> None:
    params = replace(CLEAN, background=True)
    truth = replace(cluster_truth(), extended=())
    cand = render_candidate(np.random.default_rng(3), truth, params)
    area_arcmin2 = (params.xray_npix * params.xray_pixel_arcsec / 60.0) ** 2
    rate = params.sky_background + params.particle_background
    expected = rate * area_arcmin2 * truth.pointing.exposure_s
    assert abs(cand.xray.sum() - expected) < 4.0 * math.sqrt(expected)
    assert cand.xray_source_model.sum() == 0.0


def test_vignetting_removes_sky_photons_but_not_particles() -> None:
    truth = replace(cluster_truth(), extended=())
    off = replace(truth, pointing=replace(truth.pointing, off_axis_arcmin=12.0))
    params = replace(CLEAN, background=True, vignetting=True, poisson=False)
    on_bkg = render_candidate(np.random.default_rng(0), truth, params).xray_background_model.sum()
    off_bkg = render_candidate(np.random.default_rng(0), off, params).xray_background_model.sum()
    assert off_bkg < on_bkg
    particles = params.particle_background / (params.sky_background + params.particle_background)
    assert off_bkg > particles * on_bkg
