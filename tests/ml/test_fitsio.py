"""Safe FITS/PNG readers: every bad input is an InputError that names the file and the problem."""

from __future__ import annotations

import gzip
import io
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ml.fitsio import (
    FitsImage,
    InputError,
    kosiba_bands,
    read_fits_images,
    read_fits_images_bytes,
    read_png_rgb,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "xmm"
A907_IMAGE = DATA / "a907" / "0201901401-0.50-2.00keVmerged_img.fits"
A1835_IMAGE = DATA / "a1835" / "P0098010101M2U009IMAGE_3000.FTZ"


def _wcs_header(size: int) -> fits.Header:
    header = fits.Header()
    header["CTYPE1"], header["CTYPE2"] = "RA---TAN", "DEC--TAN"
    header["CRVAL1"], header["CRVAL2"] = 150.0, 2.0
    header["CRPIX1"] = header["CRPIX2"] = size / 2 + 0.5
    header["CDELT1"], header["CDELT2"] = -4.0 / 3600, 4.0 / 3600
    return header


def _candidate_hdus() -> fits.HDUList:
    rng = np.random.default_rng(7)
    xray = rng.poisson(0.5, (128, 128)).astype(np.float32)
    optical = rng.normal(100.0, 5.0, (256, 256)).astype(np.float32)
    return fits.HDUList(
        [
            fits.PrimaryHDU(),
            fits.ImageHDU(xray, header=_wcs_header(128), name="XRAY"),
            fits.ImageHDU(optical, name="OPTICAL"),
            fits.ImageHDU(np.full((128, 128), 1.5e4, dtype=np.float32), name="EXPOSURE"),
            fits.BinTableHDU.from_columns([fits.Column(name="A", format="E", array=[1.0])]),
        ]
    )


def _write(path: Path, *hdus: fits.PrimaryHDU | fits.ImageHDU | fits.BinTableHDU) -> Path:
    fits.HDUList(list(hdus)).writeto(path)
    return path


def _image(shape: tuple[int, ...], value: float = 1.0) -> np.ndarray:
    return np.full(shape, value, dtype=np.float32)


def _header_only(**cards: int | str | bool) -> bytes:
    """A primary header block built by hand, so it can declare data that isn't there."""
    header = fits.Header()
    header["SIMPLE"] = True
    for key, value in cards.items():
        header[key] = value
    return header.tostring().encode("ascii")


def test_reads_every_image_hdu_of_a_candidate_file(tmp_path: Path) -> None:
    path = tmp_path / "cand.fits"
    hdus = _candidate_hdus()
    hdus.writeto(path)

    images = read_fits_images(path)

    assert list(images) == ["XRAY", "OPTICAL", "EXPOSURE"]
    for name in images:
        assert isinstance(images[name], FitsImage)
        assert images[name].data.dtype == np.float32
        np.testing.assert_array_equal(images[name].data, hdus[name].data)
    assert images["XRAY"].wcs is not None
    centre = images["XRAY"].wcs.pixel_to_world(63.5, 63.5)
    assert centre.ra.deg == pytest.approx(150.0)
    assert centre.dec.deg == pytest.approx(2.0)
    assert images["OPTICAL"].wcs is None
    assert images["OPTICAL"].header["EXTNAME"] == "OPTICAL"


def test_gzip_file_reads_like_the_plain_one(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    _candidate_hdus().writeto(buffer)
    path = tmp_path / "cand.fits.gz"
    path.write_bytes(gzip.compress(buffer.getvalue()))

    images = read_fits_images(path, expected_shape={"OPTICAL": (256, 256)}, require=["xray"])

    plain = read_fits_images_bytes(buffer.getvalue())
    assert images.keys() == plain.keys()
    np.testing.assert_array_equal(images["OPTICAL"].data, plain["OPTICAL"].data)


def test_tile_compressed_images_are_refused_as_unboundable(tmp_path: Path) -> None:
    data = np.arange(64 * 64, dtype=np.float32).reshape(64, 64)
    hdu = fits.CompImageHDU(data, name="XRAY", compression_type="GZIP_1")
    path = _write(tmp_path / "comp.fits", fits.PrimaryHDU(), hdu)

    with pytest.raises(InputError, match=r"HDU 1: tile-compressed images are not accepted"):
        read_fits_images(path)


def test_cube_with_a_degenerate_axis_is_squeezed_to_2d(tmp_path: Path) -> None:
    cube = np.arange(32 * 16, dtype=np.float32).reshape(1, 32, 16)
    path = _write(tmp_path / "cube.fits", fits.PrimaryHDU(cube))

    assert read_fits_images(path)["PRIMARY"].data.shape == (32, 16)


def test_repeated_extension_names_stay_distinct(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "dup.fits",
        fits.PrimaryHDU(),
        fits.ImageHDU(_image((16, 16), 1.0), name="XRAY"),
        fits.ImageHDU(_image((16, 16), 2.0), name="XRAY"),
    )

    images = read_fits_images(path)

    assert images["XRAY"].data[0, 0] == 1.0
    assert images["XRAY[2]"].data[0, 0] == 2.0


@pytest.mark.parametrize(
    ("path", "cluster", "shape"),
    [
        # MCXC positions of Abell 907 (J0958.3-1103) and Abell 1835 (J1401.0+0252).
        (A907_IMAGE, SkyCoord(149.5916 * u.deg, -11.0642 * u.deg), (512, 512)),
        (A1835_IMAGE, SkyCoord(210.2588 * u.deg, 2.8786 * u.deg), (648, 648)),
    ],
)
def test_real_xmm_images_read_with_a_wcs_centred_on_the_cluster(
    path: Path, cluster: SkyCoord, shape: tuple[int, int]
) -> None:
    image = read_fits_images(path)["PRIMARY"]

    assert image.data.shape == shape
    assert np.isfinite(image.data).all()
    assert image.data.max() > 0
    assert image.wcs is not None
    assert image.wcs.has_celestial
    centre = image.wcs.pixel_to_world(shape[1] / 2, shape[0] / 2)
    assert centre.separation(cluster) < 0.2 * u.deg


def test_truncated_data_is_an_input_error_not_a_type_error(tmp_path: Path) -> None:
    full = _write(tmp_path / "full.fits", fits.PrimaryHDU(_image((64, 64))))
    path = tmp_path / "cut.fits"
    path.write_bytes(full.read_bytes()[: 2880 + 5000])

    with pytest.raises(InputError, match="truncated") as caught:
        read_fits_images(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert "HDU 0" in str(caught.value)


def test_truncated_header_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.fits"
    path.write_bytes(_header_only(BITPIX=8, NAXIS=0)[:1000])

    with pytest.raises(InputError, match="header is truncated"):
        read_fits_images(path)


def test_table_only_file_has_no_image_hdu(tmp_path: Path) -> None:
    table = fits.BinTableHDU.from_columns([fits.Column(name="RA", format="D", array=[1.0, 2.0])])
    path = _write(tmp_path / "table.fits", fits.PrimaryHDU(), table)

    with pytest.raises(InputError, match="no image HDU"):
        read_fits_images(path)


def test_header_only_file_has_no_image_hdu(tmp_path: Path) -> None:
    path = _write(tmp_path / "empty.fits", fits.PrimaryHDU())

    with pytest.raises(InputError, match="no image HDU"):
        read_fits_images(path)


def test_all_nan_image_is_refused_naming_the_hdu(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "nan.fits",
        fits.PrimaryHDU(),
        fits.ImageHDU(_image((32, 32), np.nan), name="XRAY"),
    )

    with pytest.raises(InputError, match=r"HDU 1 \(XRAY\).*NaN"):
        read_fits_images(path)


def test_all_zero_image_is_refused_as_empty(tmp_path: Path) -> None:
    path = _write(tmp_path / "zero.fits", fits.PrimaryHDU(_image((32, 32), 0.0)))

    with pytest.raises(InputError, match="empty"):
        read_fits_images(path)


@pytest.mark.parametrize(
    ("shape", "message"),
    [((64,), "1-D"), ((3, 32, 32), "3-D"), ((4, 4), "below 8x8"), ((64, 2), "below 8x8")],
)
def test_wrong_dimensions_are_refused_naming_the_hdu(
    tmp_path: Path, shape: tuple[int, ...], message: str
) -> None:
    path = _write(
        tmp_path / "bad.fits", fits.PrimaryHDU(), fits.ImageHDU(_image(shape), name="OPT")
    )

    with pytest.raises(InputError, match=rf"HDU 1 \(OPT\).*{message}"):
        read_fits_images(path)


def test_unexpected_shape_and_missing_band_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cand.fits"
    _candidate_hdus().writeto(path)

    with pytest.raises(InputError, match=r"XRAY.*expected \(64, 64\)"):
        read_fits_images(path, expected_shape={"XRAY": (64, 64)})
    with pytest.raises(InputError, match="expected"):
        read_fits_images(path, expected_shape=(128, 128))  # OPTICAL is 256x256
    with pytest.raises(InputError, match="no image HDU named MASK"):
        read_fits_images(path, require=["XRAY", "mask"])


def _peak_memory_of_failing(call: Callable[[], object]) -> int:
    """Peak Python-allocated bytes while ``call`` runs; it must raise InputError."""
    tracemalloc.start()
    try:
        with pytest.raises(InputError):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_header_claiming_an_enormous_array_fails_without_allocating(tmp_path: Path) -> None:
    path = tmp_path / "huge.fits"
    path.write_bytes(
        _header_only(BITPIX=-32, NAXIS=2, NAXIS1=200_000, NAXIS2=200_000) + bytes(2880)
    )

    with pytest.raises(InputError, match="above"):
        read_fits_images(path)
    # Even with the size limit lifted, the file is shorter than it claims: refused, not read.
    peak = _peak_memory_of_failing(
        lambda: read_fits_images(path, max_bytes=10**12, max_pixels=10**12)
    )
    assert peak < 5 * 2**20
    with pytest.raises(InputError, match="truncated"):
        read_fits_images(path, max_bytes=10**12, max_pixels=10**12)


def test_pixel_cap_applies_per_image(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.fits", fits.PrimaryHDU(_image((100, 100))))

    with pytest.raises(InputError, match="pixels, above the 5000 limit"):
        read_fits_images(path, max_pixels=5000)


def test_gzip_bomb_stops_at_the_decompression_cap(tmp_path: Path) -> None:
    # A valid header for a 300 MB image, then 300 MB of zeros: about 300 KB once compressed.
    header = _header_only(BITPIX=8, NAXIS=2, NAXIS1=20_000, NAXIS2=15_000)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    path = tmp_path / "bomb.fits.gz"
    with path.open("wb") as fh:
        fh.write(compressor.compress(header))
        zeros = bytes(2**20)
        for _ in range(300):
            fh.write(compressor.compress(zeros))
        fh.write(compressor.flush())
    assert path.stat().st_size < 2**20

    peak = _peak_memory_of_failing(lambda: read_fits_images(path, max_bytes=8 * 2**20))
    assert peak < 40 * 2**20
    with pytest.raises(InputError, match=r"expands beyond the 8\.0 MiB limit"):
        read_fits_images(path, max_bytes=8 * 2**20)


def test_corrupt_and_truncated_gzip_are_input_errors(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    fits.PrimaryHDU(_image((64, 64))).writeto(buffer)
    packed = gzip.compress(buffer.getvalue())
    truncated, corrupt = tmp_path / "cut.fits.gz", tmp_path / "corrupt.FTZ"
    truncated.write_bytes(packed[: len(packed) // 2])
    corrupt.write_bytes(packed[:10] + bytes(range(256)) * 4)

    with pytest.raises(InputError, match="truncated gzip"):
        read_fits_images(truncated)
    with pytest.raises(InputError, match="corrupt gzip"):
        read_fits_images(corrupt)


def test_random_bytes_named_fits_are_not_a_fits_file(tmp_path: Path) -> None:
    path = tmp_path / "noise.fits"
    path.write_bytes(np.random.default_rng(3).bytes(10_000))

    with pytest.raises(InputError, match="not a FITS file"):
        read_fits_images(path)


def test_trailing_garbage_after_the_last_hdu_is_refused(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.fits", fits.PrimaryHDU(_image((16, 16))))
    path = tmp_path / "junk.fits"
    path.write_bytes(good.read_bytes() + b"this is not an extension" * 200)

    with pytest.raises(InputError, match="trailing garbage"):
        read_fits_images(path)


@pytest.mark.parametrize(
    ("cards", "message"),
    [
        ({"BITPIX": 12, "NAXIS": 0}, "BITPIX = 12"),
        ({"BITPIX": 8, "NAXIS": 2, "NAXIS1": 4}, "NAXIS2 is missing"),
        ({"BITPIX": 8, "NAXIS": "two"}, "not an integer"),
    ],
)
def test_malformed_structural_keywords_are_named(
    tmp_path: Path, cards: dict[str, int | str], message: str
) -> None:
    path = tmp_path / "bad.fits"
    path.write_bytes(_header_only(**cards))

    with pytest.raises(InputError, match=message):
        read_fits_images(path)


def _card(text: str) -> bytes:
    return text.ljust(80).encode("ascii")


@pytest.mark.parametrize(
    ("good", "bad", "message"),
    [
        # astropy skips such an END card and reads the next header as part of this one.
        (_card("END"), _card("END               5"), "malformed END card"),
        (b"XTENSION= 'IMAGE   '   ", b"XTENSION= 'IMAGE   '  1", "unparsable XTENSION"),
        (b"NAXIS1  =                   16", b"NAXIS1  =            '      16", "unparsable NAXIS1"),
    ],
    ids=["end", "xtension", "naxis1"],
)
def test_cards_that_astropy_would_read_differently_are_refused(
    tmp_path: Path, good: bytes, bad: bytes, message: str
) -> None:
    valid = _write(
        tmp_path / "valid.fits", fits.PrimaryHDU(), fits.ImageHDU(_image((16, 16)), name="X")
    ).read_bytes()
    assert good in valid
    path = tmp_path / "bad.fits"
    path.write_bytes(valid.replace(good, bad, 1))

    with pytest.raises(InputError, match=message):
        read_fits_images(path)


def test_non_ascii_header_is_refused(tmp_path: Path) -> None:
    header = bytearray(_header_only(BITPIX=8, NAXIS=0))
    header[200] = 0xE9
    path = tmp_path / "latin1.fits"
    path.write_bytes(bytes(header))

    with pytest.raises(InputError, match="non-ASCII"):
        read_fits_images(path)


def test_missing_and_oversized_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_fits_images(tmp_path / "absent.fits")
    path = _write(tmp_path / "ok.fits", fits.PrimaryHDU(_image((64, 64))))
    with pytest.raises(InputError, match="above the 1000 bytes limit"):
        read_fits_images(path, max_bytes=1000)


_SMALL_FITS = io.BytesIO()
fits.HDUList(
    [
        fits.PrimaryHDU(),
        fits.ImageHDU(np.arange(256, dtype=np.int16).reshape(16, 16), name="X"),
        fits.BinTableHDU.from_columns([fits.Column(name="A", format="E", array=[1.0, 2.0])]),
    ]
).writeto(_SMALL_FITS)


@settings(max_examples=300, deadline=None)
@given(
    cut=st.integers(min_value=0, max_value=len(_SMALL_FITS.getvalue())),
    flips=st.lists(
        st.tuples(
            st.integers(0, len(_SMALL_FITS.getvalue()) - 1),
            st.sampled_from(list(b" 0123456789'=/-TE")) | st.integers(0, 255),
        ),
        max_size=6,
    ),
    gzipped=st.booleans(),
)
def test_damaged_files_only_ever_raise_input_error(
    cut: int, flips: list[tuple[int, int]], gzipped: bool
) -> None:
    raw = bytearray(_SMALL_FITS.getvalue()[:cut])
    for position, value in flips:
        if position < len(raw):
            raw[position] = value
    data = gzip.compress(bytes(raw)) if gzipped else bytes(raw)
    # Anything else (TypeError, OSError, struct.error, ...) escapes and fails the test.
    try:
        images = read_fits_images_bytes(data, name="fuzz.fits")
    except InputError as exc:
        error: InputError | None = exc
    else:
        error = None
        assert all(np.isfinite(image.data).any() for image in images.values())
    assert error is None or error.path == "fuzz.fits"


def _png(path: Path, image: Image.Image) -> Path:
    image.save(path, "PNG")
    return path


def test_kosiba_png_reads_as_rgb_and_splits_into_bands(tmp_path: Path) -> None:
    rgb = np.zeros((356, 356, 3), dtype=np.uint8)
    rgb[0, 5] = (0, 40, 200)  # top row of the PNG
    path = _png(tmp_path / "k.png", Image.fromarray(rgb))

    array = read_png_rgb(path)

    np.testing.assert_array_equal(array, rgb)
    bands = kosiba_bands(array)
    assert bands["xray"].dtype == np.float32
    # The PNG's top row becomes the last FITS-order row.
    assert bands["xray"][355, 5] == 200
    assert bands["optical"][355, 5] == 40


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "LA"])
def test_png_that_is_not_3_channel_is_refused(tmp_path: Path, mode: str) -> None:
    path = _png(tmp_path / f"{mode}.png", Image.new(mode, (356, 356)))

    with pytest.raises(InputError, match=f"not 3-channel.*mode {mode}"):
        read_png_rgb(path)


def test_png_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    path = _png(tmp_path / "small.png", Image.new("RGB", (100, 356)))

    with pytest.raises(InputError, match="100x356, expected"):
        read_png_rgb(path)
    assert read_png_rgb(path, expected_size=None).shape == (356, 100, 3)
    with pytest.raises(InputError, match="above 10000 pixels"):
        read_png_rgb(path, expected_size=None, max_pixels=10_000)


def test_fits_file_renamed_png_never_reaches_pillow(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    fits.PrimaryHDU(_image((356, 356))).writeto(path)

    with pytest.raises(InputError, match="FITS"):
        read_png_rgb(path)


def test_random_bytes_and_truncated_png_are_input_errors(tmp_path: Path) -> None:
    noise = tmp_path / "noise.png"
    noise.write_bytes(np.random.default_rng(5).bytes(5000))
    with pytest.raises(InputError, match="not a PNG"):
        read_png_rgb(noise)

    rgb = np.random.default_rng(6).integers(0, 255, (356, 356, 3), dtype=np.uint8)
    whole = _png(tmp_path / "whole.png", Image.fromarray(rgb)).read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="corrupt PNG"):
        read_png_rgb(cut)


def test_input_error_is_a_value_error_carrying_path_and_message() -> None:
    error = InputError("/tmp/x.fits", "not a FITS file")

    assert isinstance(error, ValueError)
    assert (error.path, error.message) == ("/tmp/x.fits", "not a FITS file")
    assert str(error) == "/tmp/x.fits: not a FITS file"
