"""The PSF has the configured on-axis FWHM and broadens off axis."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ml.simulate.candidate import render_candidate
from ml.simulate.xray import KING_FWHM_OVER_CORE, psf_fwhm_arcsec
from tests.ml.simulate.builders import CLEAN, point_truth

# Fine pixels so the measured FWHM is the PSF's own, not the pixel's.
FINE = replace(CLEAN, poisson=False, xray_pixel_arcsec=0.4, xray_npix=128)


def _fwhm_arcsec(image: np.ndarray, pixel_arcsec: float) -> float:
    """Diameter of the circle with the area above half maximum."""
    above = np.count_nonzero(image >= 0.5 * image.max())
    return 2.0 * math.sqrt(above / math.pi) * pixel_arcsec


def test_on_axis_fwhm_is_the_configured_six_arcsec() -> None:
    image = render_candidate(np.random.default_rng(0), point_truth(), FINE).xray
    assert abs(_fwhm_arcsec(image, FINE.xray_pixel_arcsec) - FINE.psf_fwhm_on_axis_arcsec) < 0.3


def test_fwhm_grows_off_axis_as_configured() -> None:
    fwhms = []
    for theta in (0.0, 6.0, 12.0):
        image = render_candidate(np.random.default_rng(0), point_truth(off_axis=theta), FINE).xray
        fwhms.append(_fwhm_arcsec(image, FINE.xray_pixel_arcsec))
    assert fwhms[0] < fwhms[1] < fwhms[2]
    # Area-equivalent FWHM: the tangential width times the root of the radial stretch.
    stretch = 1.0 + FINE.psf_elongation_per_arcmin * 12.0
    expected = psf_fwhm_arcsec(12.0, FINE) * math.sqrt(stretch)
    assert abs(fwhms[2] / expected - 1.0) < 0.05


def test_point_source_is_conserved_and_sub_pixel_positions_are_kept() -> None:
    params = replace(CLEAN, poisson=False)
    truth = point_truth(rate=1.0, x=1.6, y=-0.8)  # half a pixel and a quarter pixel off
    image = render_candidate(np.random.default_rng(0), truth, params).xray.astype(float)
    # Nearly all light lands in the cutout; the King wings beyond 200" hold ~2 %.
    assert 0.96 < image.sum() / 20_000.0 <= 1.0
    grid = (np.arange(params.xray_npix) - (params.xray_npix - 1) / 2.0) * params.xray_pixel_arcsec
    core = image * (image > 0.05 * image.max())
    x_centroid = (core.sum(axis=0) * grid).sum() / core.sum()
    y_centroid = (core.sum(axis=1) * grid).sum() / core.sum()
    assert abs(x_centroid - 1.6) < 0.2
    assert abs(y_centroid + 0.8) < 0.2


def test_default_pixels_still_show_a_six_to_eight_arcsec_psf() -> None:
    params = replace(CLEAN, poisson=False)
    image = render_candidate(np.random.default_rng(0), point_truth(), params).xray
    assert 5.5 < _fwhm_arcsec(image, params.xray_pixel_arcsec) < 8.5


def test_encircled_energy_follows_the_king_profile() -> None:
    rate, exposure = 1.0, 20_000.0
    image = render_candidate(np.random.default_rng(0), point_truth(rate=rate), FINE).xray
    grid = (np.arange(FINE.xray_npix) - (FINE.xray_npix - 1) / 2.0) * FINE.xray_pixel_arcsec
    r = np.hypot(grid[None, :], grid[:, None])
    core = FINE.psf_fwhm_on_axis_arcsec / KING_FWHM_OVER_CORE
    for radius in (4.0, 10.0, 20.0):
        # King index 3/2: EE(r) = 1 - (1 + r^2/a^2)^(-1/2).
        analytic = 1.0 - 1.0 / math.sqrt(1.0 + (radius / core) ** 2)
        measured = image[r <= radius].sum() / (rate * exposure)
        assert abs(measured - analytic) < 0.02
