"""Rendering: viewer arrays, previews and composites share one stretch and orientation (the CNN's
input, in physical units, is tested in test_cnn.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from ml.render import (
    CNN_CHANNELS,
    NAN_CODE,
    STRETCH_NAMES,
    cnn_input,
    decode_viewer_array,
    display_limits,
    encode_jpeg,
    encode_png,
    encode_viewer_array,
    render_candidate,
    render_composite,
    render_preview,
    stretch_to_unit,
)

INTERVALS = ("zscale", "minmax", "p99.5")


def _xray(seed: int = 0, shape: tuple[int, int] = (128, 128)) -> np.ndarray:
    """Sparse Poisson counts with an extended source, like an XMM cutout."""
    rng = np.random.default_rng(seed)
    rows, cols = np.indices(shape)
    beta = 8.0 * (1 + ((rows - 64.0) ** 2 + (cols - 70.0) ** 2) / 100.0) ** -1.5
    return rng.poisson(0.2 + beta).astype(np.float32)


def _optical(seed: int = 0, shape: tuple[int, int] = (256, 256)) -> np.ndarray:
    """Sky noise with a bright star in the top-right quarter of the sky image (high row numbers)."""
    data = np.random.default_rng(seed).normal(100.0, 5.0, shape).astype(np.float32)
    rows, cols = shape
    data[rows * 3 // 4 - 4 : rows * 3 // 4 + 4, cols * 3 // 4 - 4 : cols * 3 // 4 + 4] = 5000.0
    return data


def _with_marker(shape: tuple[int, int] = (32, 48)) -> np.ndarray:
    """Dark image with one bright pixel in FITS row 0 (the bottom of the sky image), column 5."""
    data = np.random.default_rng(1).normal(10.0, 1.0, shape).astype(np.float32)
    data[0, 5] = 1000.0
    return data


finite_images = arrays(
    np.float32,
    st.tuples(st.integers(1, 24), st.integers(1, 24)),
    elements=st.floats(-1e6, 1e6, width=32) | st.just(np.nan),
)


@settings(max_examples=200, deadline=None)
@given(finite_images)
def test_viewer_array_round_trip_is_within_one_quantisation_step(data: np.ndarray) -> None:
    viewer = encode_viewer_array(data)

    decoded = decode_viewer_array(viewer.payload, viewer.meta())

    finite = np.isfinite(data)
    np.testing.assert_array_equal(np.isnan(decoded), ~finite)
    if finite.any():
        assert viewer.vmin == data[finite].min()
        assert viewer.vmax == data[finite].max()
        step = (viewer.vmax - viewer.vmin) / 65534
        assert np.abs(decoded[finite] - data[finite]).max() <= step


def test_viewer_payload_is_little_endian_uint16_top_row_first() -> None:
    data = np.zeros((4, 3), dtype=np.float32)
    data[0, 0] = 2.0  # FITS row 0: the bottom of the image, so the last row of the payload
    data[3, 2] = np.nan
    data[1, 1] = 1.0

    viewer = encode_viewer_array(data)

    assert len(viewer.payload) == 2 * 4 * 3
    codes = np.frombuffer(viewer.payload, dtype="<u2").reshape(4, 3)
    assert codes[3, 0] == 65535  # the maximum, in the bottom row
    assert codes[0, 2] == NAN_CODE  # FITS row 3 is the top row
    assert codes[2, 1] == 1 + 32767  # 1.0 is half-way between 0 and 2
    assert codes[0, 0] == 1  # the minimum
    meta = viewer.meta()
    assert (meta["width"], meta["height"], meta["vmin"], meta["vmax"]) == (3, 4, 0.0, 2.0)
    assert (meta["byte_order"], meta["row_order"], meta["nan_code"]) == ("little", "top-down", 0)


def test_viewer_array_of_constant_and_all_nan_images() -> None:
    constant = encode_viewer_array(np.full((5, 5), 7.5, dtype=np.float32))
    np.testing.assert_array_equal(decode_viewer_array(constant.payload, constant.meta()), 7.5)

    blank = encode_viewer_array(np.full((5, 5), np.nan))
    assert set(blank.payload) == {0}
    assert np.isnan(decode_viewer_array(blank.payload, blank.meta())).all()


def test_viewer_array_carries_the_default_display_limits() -> None:
    data = _xray()

    viewer = encode_viewer_array(data)

    assert viewer.display_limits == display_limits(data)
    assert viewer.vmin <= viewer.display_limits[0] < viewer.display_limits[1] <= viewer.vmax


def test_decode_rejects_a_payload_of_the_wrong_length() -> None:
    viewer = encode_viewer_array(np.ones((4, 4)))

    with pytest.raises(ValueError, match="expected 32"):
        decode_viewer_array(viewer.payload[:-2], viewer.meta())


def test_marker_at_fits_row_0_ends_in_the_bottom_row_of_the_png() -> None:
    preview = render_preview(_with_marker(), interval="minmax")

    pixels = np.asarray(Image.open(io.BytesIO(encode_png(preview))))

    assert pixels.shape == (32, 48)
    assert np.unravel_index(pixels.argmax(), pixels.shape) == (31, 5)
    assert pixels[31, 5] == 255


def test_inverted_preview_is_dark_on_light() -> None:
    normal = np.asarray(render_preview(_with_marker(), interval="minmax"), dtype=int)
    inverted = np.asarray(render_preview(_with_marker(), interval="minmax", invert=True), dtype=int)

    np.testing.assert_array_equal(inverted, 255 - normal)
    assert inverted[31, 5] == 0


def test_preview_size_is_the_longest_side() -> None:
    assert render_preview(_with_marker((128, 64)), size=32).size == (16, 32)
    assert render_preview(_with_marker((128, 64))).size == (64, 128)


@pytest.mark.parametrize("stretch", STRETCH_NAMES)
@pytest.mark.parametrize("interval", INTERVALS)
def test_stretches_are_monotonic_and_span_zero_to_one(stretch: str, interval: str) -> None:
    data = np.random.default_rng(2).gamma(1.5, 10.0, (40, 40)).astype(np.float32)

    unit = stretch_to_unit(data, stretch=stretch, interval=interval)

    order = np.argsort(data, axis=None)
    assert np.all(np.diff(unit.ravel()[order]) >= 0)
    assert unit.dtype == np.float32
    assert unit.min() == 0.0
    assert unit.max() == pytest.approx(1.0)


def test_asinh_brightens_faint_pixels_more_than_linear() -> None:
    data = np.linspace(0.0, 1.0, 101, dtype=np.float32).reshape(1, 101)

    asinh = stretch_to_unit(data, stretch="asinh", interval="minmax")
    linear = stretch_to_unit(data, stretch="linear", interval="minmax")

    assert asinh[0, 10] > 2 * linear[0, 10]
    np.testing.assert_allclose(linear, data, atol=1e-6)


def test_non_finite_pixels_render_black_without_warnings() -> None:
    data = _optical(shape=(20, 20))
    data[3, 4], data[5, 6], data[7, 8] = np.nan, np.inf, -np.inf

    with np.errstate(all="raise"):
        unit = stretch_to_unit(data)
        preview = np.asarray(render_preview(data))

    assert unit[3, 4] == unit[5, 6] == unit[7, 8] == 0.0
    assert preview[19 - 3, 4] == preview[19 - 5, 6] == 0
    assert np.isfinite(unit).all()


def test_sparse_xray_image_falls_back_to_min_max_when_zscale_collapses() -> None:
    data = np.zeros((64, 64), dtype=np.float32)
    data[10, 10] = 3.0

    assert display_limits(data) == (0.0, 3.0)
    assert stretch_to_unit(data)[10, 10] == pytest.approx(1.0)


def test_all_nan_and_constant_images_render_black() -> None:
    assert not stretch_to_unit(np.full((8, 8), np.nan)).any()
    assert not np.asarray(render_preview(np.full((8, 8), 4.0))).any()


def test_unknown_stretch_or_interval_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown stretch"):
        render_preview(_with_marker(), stretch="cubic")
    with pytest.raises(ValueError, match="unknown interval"):
        render_preview(_with_marker(), interval="p150")


def test_composite_shows_xray_in_colour_over_grey_optical_top_row_first() -> None:
    xray = np.zeros((32, 32), dtype=np.float32)
    xray[0, 0] = 50.0  # X-ray source at the bottom-left of the sky image
    xray[20, 20] = 1.0
    optical = np.zeros((64, 64), dtype=np.float32)
    optical[63, 63] = 50.0  # optical star at the top-right
    optical[10, 40] = 1.0

    rgb = np.asarray(render_composite(xray, optical, size=32, interval="minmax"), dtype=int)

    assert rgb.shape == (32, 32, 3)
    red, green, blue = rgb[31, 0]
    assert blue > 200
    assert blue > red + 50
    assert blue > green + 50
    star = rgb[0, 31]
    assert star.max() - star.min() <= 2
    assert star.min() > 0


def test_composite_without_optical_is_the_xray_tint_alone() -> None:
    image = render_composite(_xray(), None)

    rgb = np.asarray(image, dtype=int)
    assert image.size == (128, 128)
    assert (rgb[..., 2] >= rgb[..., 0]).all()
    assert (rgb[..., 2] >= rgb[..., 1]).all()


def test_jpeg_and_png_encoders_produce_decodable_files() -> None:
    grey = render_preview(_optical())
    colour = render_composite(_xray(), _optical(), size=96)

    for encoded, fmt, mode, size in (
        (encode_jpeg(grey), "JPEG", "L", (256, 256)),
        (encode_jpeg(colour, quality=80), "JPEG", "RGB", (96, 96)),
        (encode_png(grey), "PNG", "L", (256, 256)),
    ):
        with Image.open(io.BytesIO(encoded)) as decoded:
            assert (decoded.format, decoded.mode, decoded.size) == (fmt, mode, size)
    lossless = np.asarray(Image.open(io.BytesIO(encode_png(grey))))
    np.testing.assert_array_equal(lossless, np.asarray(grey))


def test_render_candidate_bundles_the_same_products_as_the_single_functions() -> None:
    xray, optical = _xray(), _optical()

    rendered = render_candidate(xray, optical, thumb_size=96, cnn_size=64)

    assert set(rendered.viewer) == set(rendered.previews) == {"xray", "optical"}
    decoded = decode_viewer_array(
        rendered.viewer["optical"].payload, rendered.viewer["optical"].meta()
    )
    np.testing.assert_allclose(decoded, optical, atol=(optical.max() - optical.min()) / 65534)
    np.testing.assert_array_equal(rendered.cnn, cnn_input({"xray": xray, "optical": optical}))
    scaled = render_candidate(xray, optical, cnn_size=64, xray_pixel_arcsec=2.0).cnn
    expected = cnn_input({"xray": xray, "optical": optical}, xray_pixel_arcsec=2.0)
    np.testing.assert_array_equal(scaled, expected)
    preview = Image.open(io.BytesIO(rendered.previews["xray"]))
    assert (preview.format, preview.size) == ("JPEG", (128, 128))
    reference = np.asarray(render_preview(xray), dtype=int)
    assert np.abs(np.asarray(preview, dtype=int) - reference).mean() < 3
    thumbnail = Image.open(io.BytesIO(rendered.thumbnail))
    assert (thumbnail.mode, thumbnail.size) == ("RGB", (96, 96))


def test_render_candidate_without_optical() -> None:
    rendered = render_candidate(_xray())

    assert set(rendered.viewer) == {"xray"}
    assert rendered.cnn is not None
    assert not rendered.cnn[CNN_CHANNELS.index("optical")].any()
    assert not rendered.cnn[CNN_CHANNELS.index("optical_present")].any()
