"""Population-level physics: sizes with redshift, vignetting, gaps, artefacts."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ml.simulate.candidate import render_candidate, simulate_candidate
from ml.simulate.draw import draw_truth
from ml.simulate.params import SimulationParams
from ml.simulate.physics import kpc_per_arcsec
from ml.simulate.truth import CandidateTruth, Pointing, vignetting
from ml.simulate.xray import exposure_map

PARAMS = SimulationParams()


def _truths(cls: str, n: int = 150) -> list[CandidateTruth]:
    return [draw_truth(np.random.default_rng(1000 + i), cls, PARAMS) for i in range(n)]


def _z_and_size(truths: list[CandidateTruth]) -> tuple[np.ndarray, np.ndarray]:
    z = np.array([t.redshift if t.redshift is not None else np.nan for t in truths])
    rc = np.array([t.extended[0].rc_arcsec for t in truths])
    return z, rc


def test_high_z_clusters_are_smaller_and_fainter_than_low_z() -> None:
    low, high = _truths("cluster_low_z"), _truths("cluster_high_z")
    (z_low, rc_low), (z_high, rc_high) = _z_and_size(low), _z_and_size(high)
    assert z_low.max() <= 0.5 <= z_high.min()
    assert np.median(rc_high) < 0.75 * np.median(rc_low)
    flux_low = np.median([t.source_rate for t in low])
    flux_high = np.median([t.source_rate for t in high])
    assert flux_high < flux_low
    # The core radii are physical (100-300 kpc) seen through the cosmology.
    for z, rc in zip(np.r_[z_low, z_high], np.r_[rc_low, rc_high], strict=True):
        assert 99.0 < rc * kpc_per_arcsec(float(z)) < 301.0


def test_high_z_clusters_also_look_smaller_in_the_noiseless_image() -> None:
    params = replace(
        PARAMS,
        background=False,
        field_sources=False,
        poisson=False,
        render_optical=False,
        detector_gaps=False,
        vignetting=False,
    )
    grid = np.arange(params.xray_npix) - (params.xray_npix - 1) / 2.0
    r = np.hypot(grid[None, :], grid[:, None])

    def half_light_radius(cls: str) -> float:
        radii = []
        for t in _truths(cls, 30):
            image = render_candidate(np.random.default_rng(0), t, params).xray.astype(float)
            order = np.argsort(r.ravel())
            cumulative = np.cumsum(image.ravel()[order])
            radii.append(r.ravel()[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])
        return float(np.median(radii))

    assert half_light_radius("cluster_high_z") < half_light_radius("cluster_low_z")


def test_vignetting_lowers_exposure_off_axis_and_gaps_are_zero() -> None:
    exposures = []
    for theta in (0.0, 5.0, 10.0):
        pointing = Pointing(15_000.0, theta, 30.0, 0.0)
        exp = exposure_map(pointing, PARAMS)
        exposures.append(np.median(exp[exp > 0]))
        assert exp.max() <= 15_000.0
    assert exposures[0] > exposures[1] > exposures[2]
    assert exposures[2] < 0.7 * 15_000.0


def test_the_field_of_view_edge_has_no_exposure() -> None:
    exp = exposure_map(Pointing(15_000.0, 14.5, 0.0, 0.0), PARAMS)
    # The axis lies to the left (-x): the right-hand columns are beyond the 15' edge.
    assert np.all(exp[:, -5:] == 0.0)
    # The left-hand columns are 11' from the axis, inside the field (bar the odd CCD gap).
    assert np.mean(exp[:, :5] > 0.0) > 0.8


def test_detector_gap_artefacts_put_a_zero_exposure_stripe_through_the_centre() -> None:
    found = 0
    for i in range(60):
        cand = simulate_candidate(
            np.random.default_rng(i), "other", replace(PARAMS, render_optical=False)
        )
        if cand.truth.morphology != "detector_gap":
            continue
        found += 1
        c = PARAMS.xray_npix // 2
        centre = cand.exposure[c - 6 : c + 6, c - 6 : c + 6]
        assert np.any(centre == 0.0)
        assert np.all(cand.xray[cand.exposure == 0.0] == 0.0)
    assert found >= 5


def test_artefact_kinds_leave_their_signature() -> None:
    seen: dict[str, CandidateTruth] = {}
    for i in range(80):
        t = draw_truth(np.random.default_rng(i), "other", PARAMS)
        seen.setdefault(t.morphology, t)
    assert set(seen) == {"detector_gap", "bright_wings", "oot_streak", "hot_pixels"}
    bright = seen["bright_wings"]
    assert max(p.rate for p in bright.points) * bright.pointing.exposure_s >= 5e3
    assert seen["oot_streak"].streaks
    assert not seen["oot_streak"].points
    params = replace(PARAMS, background=False, field_sources=False, render_optical=False)
    hot = render_candidate(np.random.default_rng(0), seen["hot_pixels"], params)
    pix = seen["hot_pixels"].hot_pixels[0]
    # A hot pixel is not blurred by the PSF: its neighbours across the column stay dark.
    assert (
        hot.xray_source_model[pix.row, pix.col] > 10 * hot.xray_source_model[pix.row, pix.col + 2]
    )


def test_catalogue_classes_follow_brightness() -> None:
    entries = [
        (t.catalogue, t.source_rate * t.pointing.exposure_s) for t in _truths("cluster_low_z", 300)
    ]
    c1 = [counts for cat, counts in entries if cat and cat.class_code == "C1"]
    c2 = [counts for cat, counts in entries if cat and cat.class_code == "C2"]
    assert c1
    assert c2
    assert np.median(c1) > np.median(c2)
    assert sum(cat is None for cat, _ in entries) > 0


def test_exposure_map_applies_the_documented_vignetting_law() -> None:
    params = replace(PARAMS, detector_gaps=False)
    pointing = Pointing(12_000.0, 10.0, 0.0, 0.0)
    exp = exposure_map(pointing, params)
    n = params.xray_npix
    # The pixel just right of centre sits 10' + half a pixel from the axis.
    theta = 10.0 + 0.5 * params.xray_pixel_arcsec / 60.0
    expected = 12_000.0 * float(vignetting(theta, params.vignetting_scale_arcmin))
    assert abs(exp[n // 2, n // 2] / expected - 1.0) < 1e-4
    assert abs(float(vignetting(10.0, 12.8)) - 0.621) < 0.01


def test_a_bright_source_has_no_cross_through_it() -> None:
    """The Nyquist cut rang along the rows and columns through a bright, sharp source."""
    from ml.simulate.truth import PointSource
    from ml.simulate.xray import render_xray

    quiet = replace(
        PARAMS, background=False, field_sources=False, poisson=False, detector_gaps=False
    )
    for family in ("king", "gauss", "gauss_wings"):
        params = replace(
            quiet, psf_family=family, xray_pixel_arcsec=5.0, psf_fwhm_on_axis_arcsec=4.0
        )
        truth = CandidateTruth(
            label="point",
            morphology="bright_agn",
            pointing=Pointing(20_000.0, 2.0, 30.0, 0.0),
            points=(PointSource(0.7, 0.3, 5.0),),  # 100,000 counts
        )
        image = render_xray(np.random.default_rng(0), truth, params).source_model
        c = image.shape[0] // 2
        # 40 px along a row or a column against 40 px along the diagonal: the PSF is round, so
        # the two must be alike (before the taper the row and column held 30-130 counts).
        along = max(image[c, c + 40], image[c + 40, c])
        diagonal = image[c + 28, c + 28]
        assert along < max(2.0 * diagonal, 1.0), family


def test_randomised_domains_grow_bright_targets_and_luminous_ellipticals() -> None:

    params = replace(PARAMS, bright_target_share=0.5)
    targets = [draw_truth(np.random.default_rng(i), "point", params) for i in range(60)]
    bright = [t for t in targets if t.morphology == "bright_agn"]
    assert 10 < len(bright) < 50
    assert all(t.points[0].rate * t.pointing.exposure_s >= 2e3 - 1 for t in bright)
    assert all(t.morphology in ("agn", "star", "bright_agn") for t in targets)
    galaxies = replace(PARAMS, galaxy_luminous_halo_share=1.0)
    lx = [draw_truth(np.random.default_rng(i), "galaxy", galaxies) for i in range(60)]
    spheroids = [t.lx_erg_s for t in lx if t.morphology == "spheroid"]
    assert spheroids
    assert min(s for s in spheroids if s is not None) >= 1e41 - 1
    # Off by default: the unrandomised simulator keeps its random stream and its faint halos.
    plain = [
        draw_truth(np.random.default_rng(i), "galaxy", PARAMS).lx_erg_s or 0.0 for i in range(60)
    ]
    assert np.median(plain) < 1e41


def test_nearby_clusters_are_peaked_and_only_drawn_when_asked_for() -> None:
    nearby = replace(PARAMS, nearby_cluster_share=1.0)
    truths = [draw_truth(np.random.default_rng(i), "cluster_low_z", nearby) for i in range(30)]
    z = np.array([t.redshift for t in truths], dtype=float)
    assert z.min() >= 0.01
    assert z.max() <= 0.08
    assert {t.morphology for t in truths} == {"cool_core"}
    for t in truths:
        assert t.core_radius_kpc is not None
        assert t.core_radius_kpc <= 301.0 * 0.3
    plain = [draw_truth(np.random.default_rng(i), "cluster_low_z", PARAMS) for i in range(30)]
    assert min(float(t.redshift or 0.0) for t in plain) >= 0.08


def test_textured_emission_keeps_its_rate_and_is_clumpy() -> None:
    from ml.simulate.truth import BetaComponent
    from ml.simulate.xray import _add_beta

    smooth = BetaComponent(0.0, 0.0, 1.0, 200.0, 0.6, 1.0, 0.0, 600.0)
    clumpy = replace(smooth, texture=1.0, texture_scale_arcsec=20.0, texture_seed=7)
    a, b = np.zeros((160, 160), np.float32), np.zeros((160, 160), np.float32)
    _add_beta(a, smooth, 4.0)
    _add_beta(b, clumpy, 4.0)
    assert float(b.sum()) == pytest.approx(float(a.sum()), rel=1e-4)
    # Pixel-to-pixel scatter around the smooth profile: none for the smooth model, tens of per
    # cent for the clumpy one; the same seed gives the same clumps.
    centre = slice(40, 120)
    assert float(np.std(b[centre, centre] / a[centre, centre])) > 0.3
    again = np.zeros_like(b)
    _add_beta(again, clumpy, 4.0)
    np.testing.assert_array_equal(again, b)


def test_a_shock_front_cuts_the_emission_off_sharply() -> None:
    from ml.simulate.truth import BetaComponent, ShockFront
    from ml.simulate.xray import _add_beta

    front = ShockFront(-400.0, 0.0, 400.0, 5.0, 0.1)  # the limb runs through the centre
    comp = BetaComponent(-400.0, 0.0, 1.0, 400.0, 0.6, 1.0, 0.0, 1200.0, front=front)
    smooth = replace(comp, front=None)
    a, b = np.zeros((100, 100), np.float32), np.zeros((100, 100), np.float32)
    _add_beta(a, smooth, 4.0)
    _add_beta(b, comp, 4.0)
    ratio = b / a
    # 40" inside the limb (left of centre) the emission is untouched; 40" outside it is a tenth.
    assert ratio[50, 40] == pytest.approx(1.0, abs=1e-3)
    assert ratio[50, 60] == pytest.approx(0.1, abs=1e-3)
