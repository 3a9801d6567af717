"""The denoised preview: it removes Poisson noise without eating a cluster's flux (pure numpy)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.denoise import anscombe, denoise, inverse_anscombe, is_counts
from ml.render import decode_viewer_array, render_candidate


def _beta_model(n: int = 128, *, peak: float, background: float, core: float = 8.0) -> np.ndarray:
    y, x = np.mgrid[:n, :n]
    r = np.hypot(x - (n - 1) / 2, y - (n - 1) / 2)
    beta = 2.0 / 3.0
    return peak * (1 + (r / core) ** 2) ** (0.5 - 3 * beta) + background


def _aperture(n: int = 128, radius: float = 30.0) -> np.ndarray:
    y, x = np.mgrid[:n, :n]
    return np.hypot(x - (n - 1) / 2, y - (n - 1) / 2) < radius


@pytest.mark.parametrize(
    ("peak", "background"),
    [(3.0, 0.1), (0.5, 0.05), (20.0, 1.0)],
    ids=["typical", "faint", "bright"],
)
def test_denoising_lowers_the_noise_of_a_poisson_beta_model_and_keeps_its_flux(
    peak: float, background: float
) -> None:
    truth = _beta_model(peak=peak, background=background)
    noisy = np.random.default_rng(7).poisson(truth).astype(np.float32)

    clean = denoise(noisy)

    rms_noisy = np.sqrt(np.mean((noisy - truth) ** 2))
    rms_clean = np.sqrt(np.mean((clean - truth) ** 2))
    assert rms_clean < 0.5 * rms_noisy
    aperture = _aperture()
    expected = truth[aperture].sum()
    # Within 5 % plus twice the Poisson error of the counts the image actually has.
    assert abs(clean[aperture].sum() - expected) < 0.05 * expected + 2 * np.sqrt(expected)


def test_pure_background_comes_out_nearly_flat() -> None:
    noisy = np.random.default_rng(1).poisson(0.3, (64, 64)).astype(np.float32)
    clean = denoise(noisy)
    assert clean.std() < 0.25 * noisy.std()
    assert clean.mean() == pytest.approx(0.3, abs=0.08)


def test_missing_pixels_stay_missing_and_do_not_spread() -> None:
    noisy = (
        np.random.default_rng(2).poisson(_beta_model(64, peak=3, background=0.2)).astype(np.float32)
    )
    noisy[:, :10] = np.nan
    clean = denoise(noisy)
    assert np.isnan(clean[:, :10]).all()
    assert np.isfinite(clean[:, 10:]).all()


def test_non_count_data_is_denoised_with_an_estimated_noise_level() -> None:
    rng = np.random.default_rng(3)
    truth = _beta_model(64, peak=5.0, background=1.0)
    noisy = (truth + rng.normal(0, 0.5, truth.shape)).astype(np.float32)
    assert not is_counts(noisy)
    clean = denoise(noisy)
    assert np.sqrt(np.mean((clean - truth) ** 2)) < 0.5 * 0.5


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=10.0, max_value=500.0))
def test_the_inverse_anscombe_transform_undoes_the_forward_one_for_bright_pixels(
    counts: float,
) -> None:
    # The unbiased inverse is not an algebraic inverse: it adds back the bias, about 1/4 count.
    assert float(inverse_anscombe(anscombe(np.array(counts)))) == pytest.approx(counts, abs=0.3)


def test_ingestion_renders_a_denoised_viewer_array_for_the_xray_band_only() -> None:
    noisy = (
        np.random.default_rng(4).poisson(_beta_model(64, peak=3, background=0.2)).astype(np.float32)
    )
    rendered = render_candidate(noisy, np.ones((32, 32), np.float32))
    assert rendered.denoised is not None
    decoded = decode_viewer_array(rendered.denoised.payload, rendered.denoised.meta())
    np.testing.assert_allclose(decoded, denoise(noisy), atol=rendered.denoised.vmax / 65534)
    assert render_candidate(noisy, denoise=False).denoised is None
