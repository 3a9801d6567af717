"""The CNN's input in physical units: one field and pixel scale, background-normalised X-ray."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.cnn import (
    CNN_CHANNELS,
    FIELD_ARCSEC,
    PREPROCESSING_VERSION,
    cnn_input,
    drop_optical,
    resample_sum,
    xray_channels,
)

XRAY, CENTRE, COVERAGE, OPTICAL, PRESENT = (CNN_CHANNELS.index(c) for c in CNN_CHANNELS)


def _sky(
    pixel_arcsec: float,
    side_arcsec: float = FIELD_ARCSEC,
    *,
    background_per_arcsec2: float = 0.05,
    source_counts: float = 3000.0,
    sigma_arcsec: float = 25.0,
    seed: int | None = None,
) -> np.ndarray:
    """Expected counts (or a Poisson draw with ``seed``): a Gaussian source on a flat background."""
    n = round(side_arcsec / pixel_arcsec)
    grid = (np.arange(n) - (n - 1) / 2.0) * pixel_arcsec
    r2 = grid[None, :] ** 2 + grid[:, None] ** 2
    area = pixel_arcsec**2
    source = (
        source_counts * area / (2 * np.pi * sigma_arcsec**2) * np.exp(-r2 / (2 * sigma_arcsec**2))
    )
    expected = source + background_per_arcsec2 * area
    if seed is None:
        return expected.astype(np.float32)
    return np.random.default_rng(seed).poisson(expected).astype(np.float32)


def _moment_radius(channel: np.ndarray) -> float:
    """RMS radius (in CNN pixels) of the positive part of a channel."""
    w = np.clip(channel, 0, None)
    rows, cols = np.indices(w.shape) - (w.shape[0] - 1) / 2.0
    return float(np.sqrt((w * (rows**2 + cols**2)).sum() / w.sum()))


def test_channels_shape_and_the_masks() -> None:
    optical = np.random.default_rng(0).normal(100.0, 5.0, (192, 192)).astype(np.float32)
    optical[140:150, 140:150] = 5000.0  # a star in the top right of the sky (high rows, high cols)

    cnn = cnn_input({"xray": _sky(3.2, seed=1), "optical": optical}, xray_pixel_arcsec=3.2)

    assert cnn.shape == (len(CNN_CHANNELS), 64, 64)
    assert cnn.dtype == np.float32
    assert CNN_CHANNELS == ("xray", "xray_centre", "xray_coverage", "optical", "optical_present")
    assert (cnn[PRESENT] == 1.0).all()
    assert (cnn[COVERAGE] == 1.0).all()
    # Display orientation: the star is in the top-right quarter; the X-ray source at the centre.
    assert np.unravel_index(cnn[OPTICAL].argmax(), (64, 64))[0] < 32
    assert np.unravel_index(cnn[OPTICAL].argmax(), (64, 64))[1] > 32
    assert cnn[XRAY, 28:36, 28:36].mean() > 1.0 > abs(cnn[XRAY, :8, :8].mean())


def test_missing_optical_zeroes_the_optical_channel_and_its_mask() -> None:
    for bands in ({"xray": _sky(3.2)}, {"xray": _sky(3.2), "optical": None}):
        cnn = cnn_input(bands, xray_pixel_arcsec=3.2)
        assert not cnn[OPTICAL].any()
        assert not cnn[PRESENT].any()
        assert cnn[XRAY].any()
    both = cnn_input({"xray": _sky(3.2), "optical": np.ones((96, 96))}, xray_pixel_arcsec=3.2)
    assert np.array_equal(
        drop_optical(both[None])[0], cnn_input({"xray": _sky(3.2)}, xray_pixel_arcsec=3.2)
    )


@pytest.mark.parametrize("pixel_arcsec", [2.0, 4.35, 6.0])
def test_a_sources_angular_size_in_the_input_does_not_depend_on_the_pixel_scale(
    pixel_arcsec: float,
) -> None:
    reference = cnn_input({"xray": _sky(3.2)}, xray_pixel_arcsec=3.2)
    other = cnn_input({"xray": _sky(pixel_arcsec)}, xray_pixel_arcsec=pixel_arcsec)

    for channel in (XRAY, CENTRE):
        assert _moment_radius(other[channel]) == pytest.approx(
            _moment_radius(reference[channel]), rel=0.03
        )
        np.testing.assert_allclose(other[channel], reference[channel], atol=0.08)


def test_the_old_behaviour_is_not_what_happens() -> None:
    """Without the stored pixel scale a 2"/px cutout would be read as spanning the whole field."""
    fine = _sky(2.0, side_arcsec=256.0)  # 128 px of 2": a 4.3' cutout
    as_stored = cnn_input({"xray": fine}, xray_pixel_arcsec=2.0)
    as_if_field = cnn_input({"xray": fine})
    assert _moment_radius(as_if_field[XRAY]) > 1.4 * _moment_radius(as_stored[XRAY])


def test_a_cutout_smaller_than_the_field_is_padded_as_uncovered() -> None:
    small = cnn_input({"xray": _sky(3.0, side_arcsec=240.0)}, xray_pixel_arcsec=3.0)
    full = cnn_input({"xray": _sky(3.0)}, xray_pixel_arcsec=3.0)

    covered = small[COVERAGE] > 0.99
    assert 0.25 < covered.mean() < 0.4  # (240 / 409.6)^2 of the field
    assert (small[COVERAGE][0] == 0).all()
    assert (small[XRAY][0] == 0).all()
    np.testing.assert_allclose(small[XRAY][covered], full[XRAY][covered], atol=0.08)
    np.testing.assert_allclose(small[CENTRE], full[CENTRE], atol=0.08)


def test_background_normalisation_gives_the_same_statistics_at_two_levels() -> None:
    stats = []
    for level in (0.02, 0.5):  # counts per arcsec^2: 0.2 and 5 counts per 3.2" pixel
        image = _sky(3.2, background_per_arcsec2=level, source_counts=0.0, seed=3)
        channel = cnn_input({"xray": image}, xray_pixel_arcsec=3.2)[XRAY]
        stats.append((channel.mean(), channel.std()))
    (mean_low, std_low), (mean_high, std_high) = stats
    assert abs(mean_low) < 0.05
    assert abs(mean_high) < 0.05
    assert std_low == pytest.approx(std_high, rel=0.15)


def test_a_source_keeps_its_significance_when_exposure_and_background_scale_together() -> None:
    """A deeper pointing (source and background both x3) is more significant; the same source
    over a 10x background is less significant: significance is physics, not a display stretch."""
    base = cnn_input({"xray": _sky(3.2)}, xray_pixel_arcsec=3.2)[XRAY]
    deeper = cnn_input(
        {"xray": _sky(3.2, background_per_arcsec2=0.15, source_counts=9000.0)},
        xray_pixel_arcsec=3.2,
    )[XRAY]
    noisy = cnn_input({"xray": _sky(3.2, background_per_arcsec2=0.5)}, xray_pixel_arcsec=3.2)[XRAY]
    assert deeper.max() > base.max() > noisy.max()
    assert np.argmax(deeper) == np.argmax(base) == np.argmax(noisy)


def test_the_background_map_is_used_when_given() -> None:
    image = _sky(4.0, source_counts=0.0, background_per_arcsec2=0.2, seed=5)
    # A background map 4x too high makes every pixel a deficit.
    too_high = np.full(image.shape, 4 * 0.2 * 16.0)
    _, _, _, rate = xray_channels(image, pixel_arcsec=4.0, size=64)
    assert rate == pytest.approx(0.2 * 16.0, rel=0.05)
    cnn = cnn_input({"xray": image}, xray_pixel_arcsec=4.0, background=too_high)
    assert cnn[XRAY].mean() < -1.0


def test_nan_and_zero_exposure_pixels_are_uncovered_and_read_zero() -> None:
    image = _sky(3.2, seed=2)
    image[:, :40] = np.nan
    exposure = np.full(image.shape, 1e4)
    exposure[90:, :] = 0.0

    cnn = cnn_input({"xray": image}, xray_pixel_arcsec=3.2, exposure=exposure)

    display = cnn[COVERAGE]  # row 0 is the top: FITS rows 90+ are the top 19 display rows
    assert (display[:, :18] == 0).all()
    assert (cnn[XRAY][:, :18] == 0).all()
    assert (display[:18, :] == 0).all()
    assert (display[25:, 25:] == 1).all()


def test_the_centre_channel_is_the_central_half_at_twice_the_sampling() -> None:
    image = np.random.default_rng(0).poisson(1.0, (128, 128)).astype(float)
    centre = resample_sum(image, 3.2, 64, FIELD_ARCSEC / 2)
    np.testing.assert_allclose(centre, image[32:96, 32:96], atol=1e-9)
    binned = image.reshape(64, 2, 64, 2).sum(axis=(1, 3))
    np.testing.assert_allclose(resample_sum(image, 3.2, 64), binned, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(8, 90),
    pixel=st.floats(0.4, 8.0),
    size=st.sampled_from([16, 32, 64]),
    seed=st.integers(0, 1000),
)
def test_resampling_conserves_counts(n: int, pixel: float, size: int, seed: int) -> None:
    image = np.random.default_rng(seed).random((n, n))
    field = n * pixel * 1.01  # the grid covers the whole image
    out = resample_sum(image, pixel, size, field)
    assert out.min() >= -1e-9
    assert out.sum() == pytest.approx(image.sum(), rel=1e-9)


def test_cnn_input_is_in_display_orientation() -> None:
    xray = np.zeros((64, 64), dtype=np.float32)
    xray[0, 5] = 50.0  # FITS row 0: the bottom row
    cnn = cnn_input({"xray": xray}, size=16, xray_pixel_arcsec=6.4)
    assert np.unravel_index(cnn[XRAY].argmax(), (16, 16)) == (15, 1)


def test_cnn_input_refuses_missing_xray_and_unknown_bands() -> None:
    with pytest.raises(ValueError, match="xray band is required"):
        cnn_input({"optical": np.ones((8, 8))})
    with pytest.raises(ValueError, match="unknown band"):
        cnn_input({"xray": np.ones((8, 8)), "optcal": np.ones((8, 8))})
    with pytest.raises(ValueError, match="pixel scale"):
        cnn_input({"xray": np.ones((8, 8))}, xray_pixel_arcsec=-1.0)


def test_preprocessing_version_names_the_channels() -> None:
    assert PREPROCESSING_VERSION.startswith("render-v3")
    assert ",".join(CNN_CHANNELS) in PREPROCESSING_VERSION
