"""ml.morphology: concentrations against the analytic beta model, w and P3/P0 against symmetry,
masking (a central source kept), noise-bias correction, errors, and what is reported when it can't be."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.morphology import (
    MorphologyImage,
    SourceMask,
    cool_core_class,
    detect_point_sources,
    disturbance_score,
    dynamical_class,
    measure_morphology,
)
from ml.morphology.measure import STATUS_NOT_ENOUGH_COUNTS
from ml.simulate.physics import kpc_per_arcsec
from ml.simulate.truth import BetaComponent
from ml.simulate.xray import _add_beta, beta_fraction_within

PIX = 3.2
N = 160
Z = 0.3


def _beta_image(components: list[BetaComponent], counts: float, *, n: int = N) -> np.ndarray:
    """Expected counts of the components (no PSF), scaled so that they hold ``counts`` in all."""
    image = np.zeros((n, n), dtype=np.float32)
    for comp in components:
        _add_beta(image, comp, PIX)
    return np.asarray(image, dtype=np.float64) * counts / float(image.sum())


def _cluster(
    rc_kpc: float = 150.0, *, x: float = 0.0, y: float = 0.0, q: float = 1.0
) -> BetaComponent:
    kpc = kpc_per_arcsec(Z)
    return BetaComponent(x, y, 1.0, rc_kpc / kpc, 0.67, q, 30.0, 1500.0 / kpc)


def _image(model: np.ndarray, *, background: float = 0.0, exposure: float = 1e4) -> MorphologyImage:
    expo = np.full(model.shape, exposure)
    return MorphologyImage(model + background, expo, PIX, np.full(model.shape, background))


def test_santos_concentration_matches_the_analytic_beta_model() -> None:
    comp = _cluster(150.0)
    measured = measure_morphology(
        _image(_beta_image([comp], 1e6)), redshift=Z, n_resample=0, detect_sources=False
    )
    kpc = kpc_per_arcsec(Z)
    expected = beta_fraction_within(40.0 / kpc, comp) / beta_fraction_within(400.0 / kpc, comp)
    assert measured.ok
    assert measured.c_santos == pytest.approx(expected, rel=0.05)
    # Circular and centred: no centroid shift, no m = 3 power.
    assert measured.w is not None
    assert measured.w < 1e-3
    assert measured.p3p0 is not None
    assert measured.p3p0 < 1e-10


def test_maughan_concentration_needs_r500_and_uses_it() -> None:
    comp = _cluster(150.0)
    image = _image(_beta_image([comp], 1e6))
    without = measure_morphology(image, redshift=Z, n_resample=0, detect_sources=False)
    assert without.c_maughan is None
    r500 = 600.0
    with_r500 = measure_morphology(
        image, redshift=Z, r500_kpc=r500, n_resample=0, detect_sources=False
    )
    kpc = kpc_per_arcsec(Z)
    expected = beta_fraction_within(0.15 * r500 / kpc, comp) / beta_fraction_within(
        r500 / kpc, comp
    )
    assert with_r500.c_maughan == pytest.approx(expected, rel=0.05)
    assert with_r500.aperture_kpc == pytest.approx(r500, rel=1e-6)


def test_a_cool_core_is_more_concentrated_and_substructure_shifts_the_centroid() -> None:
    single = _beta_image([_cluster(200.0)], 1e6)
    core = _beta_image([_cluster(200.0), _cluster(25.0)], 1e6)
    kpc = kpc_per_arcsec(Z)
    merger = _beta_image([_cluster(200.0), _cluster(60.0, x=180.0 / kpc, y=40.0 / kpc)], 1e6)
    values = {
        name: measure_morphology(_image(m), redshift=Z, n_resample=0, detect_sources=False)
        for name, m in (("single", single), ("core", core), ("merger", merger))
    }
    assert values["core"].c_santos > 2 * values["single"].c_santos  # type: ignore[operator]
    assert values["merger"].w > 0.01 > values["single"].w  # type: ignore[operator]
    assert values["merger"].p3p0 > 100 * max(values["single"].p3p0 or 0.0, 1e-12)  # type: ignore[operator]
    # An ellipse is symmetric under a half turn: no w, no P3, however elongated.
    ellipse = measure_morphology(
        _image(_beta_image([_cluster(200.0, q=0.5)], 1e6)),
        redshift=Z,
        n_resample=0,
        detect_sources=False,
    )
    assert ellipse.w is not None
    assert ellipse.w < 1e-3
    assert ellipse.p3p0 is not None
    assert ellipse.p3p0 < 1e-10


def _poisson_cluster(
    seed: int, counts: float, *, extra: np.ndarray | None = None
) -> MorphologyImage:
    rng = np.random.default_rng(seed)
    model = _beta_image([_cluster(150.0)], counts)
    background = 0.05
    if extra is not None:
        model = model + extra
    return MorphologyImage(
        rng.poisson(model + background).astype(np.float64),
        np.full(model.shape, 1e4),
        PIX,
    )


def test_noise_bias_of_w_and_p3p0_is_corrected() -> None:
    raw_w: list[float] = []
    fixed_w: list[float] = []
    raw_p: list[float] = []
    fixed_p: list[float] = []
    for seed in range(6):
        image = _poisson_cluster(seed, 2000.0)
        raw = measure_morphology(image, redshift=Z, n_resample=0, detect_sources=False)
        fixed = measure_morphology(
            image, redshift=Z, n_resample=30, detect_sources=False, rng=np.random.default_rng(seed)
        )
        raw_w.append(raw.w or 0.0)
        fixed_w.append(fixed.w or 0.0)
        raw_p.append(raw.p3p0 or 0.0)
        fixed_p.append(fixed.p3p0 or 0.0)
    # The truth is 0 for both: the corrected values are closer to it.
    assert np.mean(fixed_w) < 0.7 * np.mean(raw_w)
    assert np.mean(fixed_p) < 0.7 * np.mean(raw_p)


def test_errors_come_from_resampling_and_shrink_with_counts() -> None:
    faint = measure_morphology(
        _poisson_cluster(1, 2000.0), redshift=Z, n_resample=25, detect_sources=False
    )
    bright = measure_morphology(
        _poisson_cluster(1, 50000.0), redshift=Z, n_resample=25, detect_sources=False
    )
    for m in (faint, bright):
        assert m.ok
        assert m.n_resample == 25
        assert m.c_santos_err is not None
        assert m.c_santos_err > 0
        assert m.w_err is not None
        assert m.w_err > 0
    assert bright.c_santos_err < 0.5 * faint.c_santos_err  # type: ignore[operator]
    assert bright.w_err < 0.5 * faint.w_err  # type: ignore[operator]


def test_too_few_counts_is_a_status_not_a_number() -> None:
    m = measure_morphology(_poisson_cluster(2, 80.0), redshift=Z, n_resample=10)
    assert m.status == STATUS_NOT_ENOUGH_COUNTS
    assert not m.ok
    assert all(value is None for value in m.values().values())
    assert m.n_net_counts < 300


def _point(x_pix: float, y_pix: float, counts: float, n: int = N) -> np.ndarray:
    image = np.zeros((n, n))
    rows, cols = np.indices(image.shape)
    psf = (1.0 + ((cols - x_pix) ** 2 + (rows - y_pix) ** 2) / 1.2**2) ** -1.5
    return image + psf * counts / psf.sum()


def test_point_sources_are_masked_but_a_central_one_is_kept() -> None:
    centre = (N - 1) / 2.0
    agn = _point(centre + 30.0, centre - 12.0, 1500.0)
    clean = measure_morphology(
        _poisson_cluster(3, 8000.0), redshift=Z, n_resample=0, detect_sources=False
    )
    image = _poisson_cluster(3, 8000.0, extra=agn)
    found = detect_point_sources(image.counts, image.exposure, PIX)
    assert any(
        math.hypot(x - centre - 30.0, y - centre + 12.0) < 2.0
        for x, y in zip(found.x, found.y, strict=True)
    )
    masked = measure_morphology(image, redshift=Z, n_resample=0)
    unmasked = measure_morphology(image, redshift=Z, n_resample=0, detect_sources=False)
    assert abs(masked.w - clean.w) < abs(unmasked.w - clean.w)  # type: ignore[operator]
    assert masked.n_masked_sources >= 1
    # A bright central peak (a cool core's) stays: listed as a source, it is still not masked.
    core = _point(centre, centre, 3000.0)
    peaked = _poisson_cluster(3, 8000.0, extra=core)
    listed = SourceMask.from_circles([(centre, centre, 5.0)])
    kept = measure_morphology(peaked, redshift=Z, n_resample=0, sources=listed)
    assert kept.n_masked_sources == 0
    assert kept.c_santos > 1.5 * clean.c_santos  # type: ignore[operator]


def test_unknown_redshift_assumes_one_and_says_so() -> None:
    m = measure_morphology(_poisson_cluster(4, 5000.0), n_resample=0, detect_sources=False)
    assert m.z_assumed
    assert m.redshift is None
    assert any("redshift unknown" in note for note in m.notes)


def test_an_aperture_mostly_off_the_image_gives_no_concentration() -> None:
    # At z = 0.05, 400 kpc is about 410 arcsec: far larger than this 256-arcsec image.
    small = _beta_image([_cluster(150.0)], 1e5, n=80)
    m = measure_morphology(_image(small), redshift=0.05, n_resample=0, detect_sources=False)
    assert m.c_santos is None
    assert m.w is not None  # the w aperture shrinks to fit instead
    assert any("shrunk" in note for note in m.notes)


@pytest.mark.parametrize(
    "kwargs",
    [{"redshift": -0.1}, {"r500_kpc": 0.0}, {"annulus_arcsec": (100.0, 50.0)}],
)
def test_bad_input_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"redshift|r500|annulus"):
        measure_morphology(_poisson_cluster(5, 5000.0), n_resample=0, **kwargs)  # type: ignore[arg-type]


def test_image_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="one shape"):
        MorphologyImage(np.zeros((10, 10)), np.zeros((10, 11)), PIX)
    with pytest.raises(ValueError, match="exposure map is zero"):
        measure_morphology(MorphologyImage(np.zeros((40, 40)), np.zeros((40, 40)), PIX))


def test_classes_follow_the_documented_thresholds() -> None:
    assert cool_core_class(0.05) == "non_cool_core"
    assert cool_core_class(0.1) == "weak_cool_core"
    assert cool_core_class(0.2) == "strong_cool_core"
    assert cool_core_class(None) is None
    assert dynamical_class(0.2, 0.005) == "relaxed"
    assert dynamical_class(0.2, 0.02) == "disturbed"
    assert dynamical_class(0.05, 0.005) == "disturbed"
    assert dynamical_class(0.2, None) is None
    for c, w in ((0.2, 0.005), (0.2, 0.02), (0.05, 0.005), (0.08, 0.0099)):
        assert (disturbance_score(c, w) > 0) == (dynamical_class(c, w) == "disturbed")
