"""Safe readers for untrusted survey images: FITS (plain or gzip) and Kosiba+2020 PNGs.

Everything wrong with an input file surfaces as one exception type, :class:`InputError`, whose
message names the file, the problem and (where relevant) the HDU. astropy and Pillow only get bytes
that were checked first, because on their own they fail in unhelpful or dangerous ways:

* a truncated FITS data section raises ``TypeError`` deep inside numpy; header-only files, NaN-only
  images and trailing garbage are accepted silently;
* astropy inflates ``.gz`` input without a size limit (a 1 MB file expanded to 1 GiB here);
* Pillow identifies files by content and has its own FITS plugin, so it must never see a FITS file.

So the FITS structure is walked here from the mandatory keywords alone (BITPIX, NAXISn, PCOUNT,
GCOUNT) to learn every HDU's declared data size before any data is read. gzip input is inflated in
bounded chunks under a hard cap, and only inflated bytes that start with a FITS primary header reach
``astropy.io.fits.open``, so astropy never decompresses anything itself. HDUs are numbered from 0
in messages, as astropy numbers them.
"""

from __future__ import annotations

import io
import math
import os
import re
import struct
import warnings
import zlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    # astropy (~0.3 s of CPU; astropy.wcs loads astropy.table too, ~35 MB) is imported by the functions
    # that decode FITS, not by every web process that imports this module for InputError.
    from astropy.io import fits
    from astropy.wcs import WCS

PathArg = str | os.PathLike[str]

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 256 * MiB
DEFAULT_MAX_PIXELS = 8192 * 8192
DEFAULT_MIN_SIZE = 8
KOSIBA_SIZE = (356, 356)

_BLOCK = 2880
_CARD = 80
_MAX_HDUS = 1000
_INFLATE_CHUNK = 4 * MiB
_FITS_MAGIC = b"SIMPLE  ="
_GZIP_MAGIC = b"\x1f\x8b"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_VALID_BITPIX = {8, 16, 32, 64, -32, -64}
_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e]")
_STRUCTURAL = re.compile(r"(SIMPLE|XTENSION|BITPIX|NAXIS\d*|PCOUNT|GCOUNT|GROUPS|EXTNAME|ZIMAGE)")
# A card's value field: a quoted string ('' escapes a quote) or a bare token, then a comment.
_VALUE = re.compile(r" *(?:'(?P<string>(?:[^']|'')*)'|(?P<plain>[^ '/]+)) *(?:/.*)?")
# What numpy and Pillow raise on malformed input that slipped past the checks here (with astropy's
# VerifyError: _library_errors).
_BASE_ERRORS = (
    OSError,
    SyntaxError,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    EOFError,
    MemoryError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
)


def _library_errors() -> tuple[type[BaseException], ...]:
    """What astropy, numpy and Pillow raise on malformed input; an `except` evaluates it only when
    something was raised, so astropy is imported no earlier than that."""
    from astropy.io.fits.verify import VerifyError

    return (*_BASE_ERRORS, VerifyError)


class InputError(ValueError):
    """A file that cannot be used as input; ``str()`` says which file and why."""

    def __init__(self, path: PathArg, message: str) -> None:
        self.path = os.fspath(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


@dataclass(frozen=True)
class FitsImage:
    """One 2-D image HDU: float32 pixels in FITS order (row 0 is the bottom of the sky image)."""

    data: np.ndarray
    header: fits.Header
    wcs: WCS | None


@dataclass(frozen=True)
class _Hdu:
    """One HDU's layout, learnt from its structural keywords before astropy sees the file."""

    index: int
    name: str
    # numpy-order shape of the image it holds; None for tables.
    image_shape: tuple[int, ...] | None

    @property
    def label(self) -> str:
        return f"HDU {self.index} ({self.name})"


def _size(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n} bytes"


def _read_capped(path: PathArg, max_bytes: int) -> bytes:
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            raise InputError(path, f"file is {_size(size)}, above the {_size(max_bytes)} limit")
        with open(path, "rb") as fh:
            # One byte more than stat reported shows a file that grew meanwhile (callers re-check).
            return fh.read(size + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})") from exc


def _inflate_gzip(path: PathArg, raw: bytes, max_bytes: int) -> bytes:
    """Inflate every gzip member of ``raw``, refusing to produce more than ``max_bytes``."""
    out = bytearray()
    pending = raw
    while pending:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        data = pending
        try:
            while not inflater.eof:
                # max_length bounds each step, so a bomb costs at most max_bytes + one chunk.
                chunk = inflater.decompress(data, _INFLATE_CHUNK)
                out += chunk
                if len(out) > max_bytes:
                    raise InputError(path, f"gzip data expands beyond the {_size(max_bytes)} limit")
                data = inflater.unconsumed_tail
                if not data and not chunk:
                    raise InputError(path, "truncated gzip data (ends before its end marker)")
        except zlib.error as exc:
            raise InputError(path, f"corrupt gzip data ({exc})") from exc
        pending = inflater.unused_data
        # gzip tools tolerate zero padding after the last member; anything else is not gzip.
        if pending and not pending.startswith(_GZIP_MAGIC):
            if pending.strip(b"\0"):
                raise InputError(path, f"{len(pending)} bytes of garbage after the gzip data")
            break
    return bytes(out)


class _Walker:
    """Walks the HDU sequence of a FITS byte string using only the structural keywords."""

    def __init__(self, path: PathArg, raw: bytes, max_bytes: int) -> None:
        self.path = path
        self.raw = raw
        self.max_bytes = max_bytes

    def fail(self, message: str) -> NoReturn:
        raise InputError(self.path, message)

    def header(self, start: int, index: int) -> tuple[dict[str, str], int]:
        """Structural keyword values (raw strings) of the header at ``start``; where data begins."""
        values: dict[str, str] = {}
        pos = start
        while True:
            block = self.raw[pos : pos + _BLOCK]
            if len(block) < _BLOCK:
                self.fail(f"HDU {index}: header is truncated (no END card before end of file)")
            if _NOT_PRINTABLE.search(block):
                self.fail(f"HDU {index}: header holds non-ASCII bytes (corrupt, or not FITS)")
            pos += _BLOCK
            for offset in range(0, _BLOCK, _CARD):
                text = block[offset : offset + _CARD].decode("ascii")
                keyword = text[:8].rstrip()
                if keyword == "END":
                    # astropy skips an END card with anything after it and reads on into the
                    # next header, so such a card would make the two disagree on the layout.
                    if text.rstrip() != "END":
                        self.fail(f"HDU {index}: malformed END card {text.rstrip()!r}")
                    return values, pos
                if text[8:10] == "= " and keyword not in values and _STRUCTURAL.fullmatch(keyword):
                    parsed = _VALUE.fullmatch(text[10:])
                    if parsed is None:
                        self.fail(f"HDU {index}: unparsable {keyword} card {text.rstrip()!r}")
                    values[keyword] = (parsed["string"] or parsed["plain"]).strip()

    def integer(self, values: dict[str, str], key: str, index: int, default: int = -1) -> int:
        if key not in values:
            if default < 0:
                self.fail(f"HDU {index}: mandatory keyword {key} is missing")
            return default
        try:
            number = int(values[key])
        except ValueError:
            self.fail(f"HDU {index}: {key} = {values[key]!r} is not an integer")
        if number < 0:
            self.fail(f"HDU {index}: {key} = {number} is negative")
        return number

    def axes(self, values: dict[str, str], prefix: str, index: int) -> list[int]:
        naxis = self.integer(values, prefix, index)
        if naxis > 999:
            self.fail(f"HDU {index}: {prefix} = {naxis} is out of range")
        return [self.integer(values, f"{prefix}{i}", index) for i in range(1, naxis + 1)]

    def bitpix(self, values: dict[str, str], key: str, index: int) -> int:
        try:
            bitpix = int(values.get(key, ""))
        except ValueError:
            self.fail(f"HDU {index}: {key} is missing or not an integer")
        if bitpix not in _VALID_BITPIX:
            self.fail(f"HDU {index}: {key} = {bitpix} is not a valid FITS value")
        return bitpix

    def walk(self) -> list[_Hdu]:
        """Every HDU's layout; fails if the file is not FITS, is truncated or has trailing junk."""
        if not self.raw.startswith(_FITS_MAGIC):
            self.fail("not a FITS file (does not start with SIMPLE =)")
        hdus: list[_Hdu] = []
        pos = declared = 0
        while True:
            index = len(hdus)
            values, data_start = self.header(pos, index)
            if index == 0 and values.get("SIMPLE") != "T":
                self.fail("not a standard FITS file (SIMPLE is not T)")
            bitpix = self.bitpix(values, "BITPIX", index)
            axes = self.axes(values, "NAXIS", index)
            pcount = self.integer(values, "PCOUNT", index, default=0)
            gcount = self.integer(values, "GCOUNT", index, default=1)
            groups = index == 0 and values.get("GROUPS") == "T" and axes[:1] == [0]
            # FITS 4.0 section 4.4.1.1: random groups leave NAXIS1 out of the product.
            elements = math.prod(axes[1:] if groups else axes) if axes else 0
            data_bytes = abs(bitpix) // 8 * gcount * (pcount + elements) if axes else 0

            xtension = values.get("XTENSION", "PRIMARY" if index == 0 else "")
            shape: tuple[int, ...] | None = None
            if xtension in ("PRIMARY", "IMAGE") and axes and not groups:
                shape = tuple(reversed(axes))
            elif xtension == "BINTABLE" and values.get("ZIMAGE") == "T":
                # astropy inflates GZIP_1/GZIP_2 tiles with an unbounded gzip.decompress, so a
                # tile can be a bomb no header check here could bound.
                self.fail(
                    f"HDU {index}: tile-compressed images are not accepted (their decompression "
                    "cannot be bounded); store the image uncompressed or gzip the whole file"
                )
            name = (values.get("EXTNAME") or ("PRIMARY" if index == 0 else f"HDU{index}")).upper()
            hdus.append(_Hdu(index=index, name=name, image_shape=shape))

            declared += data_bytes
            if declared > self.max_bytes:
                self.fail(f"declares {_size(declared)} of data, above {_size(self.max_bytes)}")
            if data_start + data_bytes > len(self.raw):
                present = max(0, len(self.raw) - data_start)
                self.fail(
                    f"file is truncated: {hdus[-1].label} declares {_size(data_bytes)} of data "
                    f"but only {_size(present)} follow its header"
                )
            # The last HDU may lack its padding to a whole block; astropy reads that fine.
            pos = data_start + -(-data_bytes // _BLOCK) * _BLOCK
            rest = self.raw[pos:]
            if not rest.strip(b"\0"):
                return hdus
            if not rest.startswith(b"XTENSION="):
                self.fail(f"{len(rest)} bytes of trailing garbage after {hdus[-1].label}")
            if len(hdus) >= _MAX_HDUS:
                self.fail(f"more than {_MAX_HDUS} HDUs")


def _check_shape(
    path: PathArg, hdu: _Hdu, min_size: int, max_pixels: int, expected: tuple[int, int] | None
) -> tuple[int, int]:
    shape = hdu.image_shape or ()
    pixels = math.prod(shape)
    if pixels > max_pixels:
        raise InputError(path, f"{hdu.label}: {pixels} pixels, above the {max_pixels} limit")
    # A cube with one degenerate axis (a single energy band, say) is a 2-D image in disguise.
    squeezed = tuple(n for n in shape if n != 1) if len(shape) > 2 else shape
    if len(squeezed) != 2:
        raise InputError(path, f"{hdu.label}: image is {len(shape)}-D {shape}, not 2-D")
    rows, cols = squeezed
    if rows < min_size or cols < min_size:
        raise InputError(path, f"{hdu.label}: image is {rows}x{cols}, below {min_size}x{min_size}")
    if expected is not None and (rows, cols) != tuple(expected):
        raise InputError(path, f"{hdu.label}: image is {rows}x{cols}, expected {expected}")
    return rows, cols


def _celestial_wcs(path: PathArg, hdu: _Hdu, header: fits.Header) -> WCS | None:
    if not any(key.startswith("CTYPE") for key in header):
        return None
    from astropy.utils.exceptions import AstropyWarning
    from astropy.wcs import WCS

    try:
        with warnings.catch_warnings():
            # Old XMM headers use RADECSYS and DATE-OBS; astropy fixes them, loudly.
            warnings.simplefilter("ignore", AstropyWarning)
            wcs = WCS(header)
    except (ValueError, KeyError, MemoryError) as exc:
        raise InputError(path, f"{hdu.label}: invalid WCS ({exc})") from exc
    return wcs.celestial if wcs.has_celestial else None


def _read_pixels(path: PathArg, hdu: _Hdu, astro_hdu: Any, shape: tuple[int, int]) -> np.ndarray:
    data = astro_hdu.data
    if data is None:
        raise InputError(path, f"{hdu.label}: astropy found no image data")
    pixels = np.asarray(data, dtype=np.float32).reshape(shape)
    finite = np.isfinite(pixels)
    if not finite.any():
        raise InputError(path, f"{hdu.label}: image has no finite pixels (all NaN or infinite)")
    if not pixels[finite].any():
        raise InputError(path, f"{hdu.label}: image is empty (every finite pixel is zero)")
    return pixels


def read_fits_images_bytes(
    raw: bytes,
    *,
    name: str = "<upload>",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_size: int = DEFAULT_MIN_SIZE,
    expected_shape: tuple[int, int] | Mapping[str, tuple[int, int]] | None = None,
    require: Collection[str] = (),
    skip: Collection[str] = (),
    with_wcs: bool = True,
) -> dict[str, FitsImage]:
    """:func:`read_fits_images` for bytes already in memory (an upload); ``name`` labels errors."""
    if raw.startswith(_GZIP_MAGIC):
        raw = _inflate_gzip(name, raw, max_bytes)
    elif len(raw) > max_bytes:
        raise InputError(name, f"data is above the {_size(max_bytes)} limit")
    layout = _Walker(name, raw, max_bytes).walk()

    images = [h for h in layout if h.image_shape is not None]
    if not images:
        found = ", ".join(h.name for h in layout)
        raise InputError(name, f"no image HDU (found {len(layout)} HDU(s): {found})")
    keys: dict[int, str] = {}
    for hdu in images:
        keys[hdu.index] = f"{hdu.name}[{hdu.index}]" if hdu.name in keys.values() else hdu.name
    missing = sorted({r.upper() for r in require} - set(keys.values()))
    if missing:
        found = ", ".join(keys.values())
        raise InputError(name, f"no image HDU named {', '.join(missing)} (found {found})")
    # HDUs the caller does not need are still checked structurally above, but never decoded.
    skipped = {n.upper() for n in skip}
    images = [hdu for hdu in images if keys[hdu.index] not in skipped] or images

    shapes: dict[int, tuple[int, int]] = {}
    for hdu in images:
        key = keys[hdu.index]
        expected = (
            expected_shape.get(key) if isinstance(expected_shape, Mapping) else expected_shape
        )
        shapes[hdu.index] = _check_shape(name, hdu, min_size, max_pixels, expected)
        if math.prod(shapes[hdu.index]) * 8 > max_bytes:  # astropy may scale to float64
            raise InputError(name, f"{hdu.label}: image too large to decode under the limit")

    from astropy.io import fits
    from astropy.utils.exceptions import AstropyWarning

    result: dict[str, FitsImage] = {}
    label = "HDU 0"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            with fits.open(io.BytesIO(raw), memmap=False, lazy_load_hdus=True) as hdul:
                for hdu in images:
                    label = hdu.label
                    astro_hdu = hdul[hdu.index]
                    if not isinstance(astro_hdu, fits.PrimaryHDU | fits.ImageHDU):
                        kind = type(astro_hdu).__name__
                        raise InputError(name, f"{label}: corrupt header (astropy reads {kind})")
                    pixels = _read_pixels(name, hdu, astro_hdu, shapes[hdu.index])
                    header = astro_hdu.header.copy()
                    wcs = _celestial_wcs(name, hdu, header) if with_wcs else None
                    result[keys[hdu.index]] = FitsImage(data=pixels, header=header, wcs=wcs)
    except InputError:
        raise
    except _library_errors() as exc:
        # The layout was checked above, so astropy disagrees with it: a corrupt card somewhere.
        detail = f"{type(exc).__name__}: {exc}"
        raise InputError(name, f"{label}: corrupt FITS, astropy cannot read it ({detail})") from exc
    return result


def read_fits_images(
    path: PathArg,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_size: int = DEFAULT_MIN_SIZE,
    expected_shape: tuple[int, int] | Mapping[str, tuple[int, int]] | None = None,
    require: Collection[str] = (),
    skip: Collection[str] = (),
    with_wcs: bool = True,
) -> dict[str, FitsImage]:
    """Every 2-D image HDU of a FITS file (plain or gzip), keyed by upper-case EXTNAME.

    An image in the primary HDU is keyed ``PRIMARY``; an extension without EXTNAME ``HDU<n>``; a
    repeated name gets ``[<n>]`` appended. Tables are skipped; tile-compressed images are refused.
    ``max_bytes`` caps the file, its inflated size and its declared data; ``max_pixels`` caps each
    image. ``expected_shape`` is (rows, cols) for every image, or a mapping from HDU name;
    ``require`` names HDUs that must be present; ``skip`` names HDUs not to decode (e.g. an exposure
    map nobody displays; they are still checked structurally). ``with_wcs=False`` skips building WCS objects
    (1-2 ms each) when only pixels are needed.
    """
    return read_fits_images_bytes(
        _read_capped(path, max_bytes),
        name=os.fspath(path),
        max_bytes=max_bytes,
        max_pixels=max_pixels,
        min_size=min_size,
        expected_shape=expected_shape,
        require=require,
        skip=skip,
        with_wcs=with_wcs,
    )


def read_png_rgb(
    path: PathArg,
    *,
    expected_size: tuple[int, int] | None = KOSIBA_SIZE,
    max_bytes: int = 32 * MiB,
    max_pixels: int = 4096 * 4096,
) -> np.ndarray:
    """An 8-bit RGB PNG as a (height, width, 3) uint8 array, top row first (PNG order).

    ``expected_size`` is (width, height); None accepts any size. Only Pillow's PNG decoder is
    allowed, and the pixel count is checked from the PNG header before pixel data is decoded.
    """
    raw = _read_capped(path, max_bytes)
    if raw.startswith((_FITS_MAGIC, _GZIP_MAGIC)):
        raise InputError(path, "is a FITS or gzip file, not a PNG")
    if not raw.startswith(_PNG_MAGIC):
        raise InputError(path, "not a PNG file (bad signature)")
    try:
        # formats=("PNG",) keeps Pillow's other plugins (FITS among them) away from this input.
        with Image.open(io.BytesIO(raw), formats=("PNG",)) as img:
            width, height = img.size
            if width * height > max_pixels:
                raise InputError(path, f"PNG is {width}x{height}, above {max_pixels} pixels")
            if img.mode != "RGB":
                channels = len(img.getbands())
                detail = f"mode {img.mode}, {channels} channel(s)"
                raise InputError(path, f"PNG is not 3-channel RGB ({detail})")
            if expected_size is not None and (width, height) != tuple(expected_size):
                raise InputError(path, f"PNG is {width}x{height}, expected {expected_size}")
            img.load()
            return np.array(img, dtype=np.uint8)
    except InputError:
        raise
    except Image.DecompressionBombError as exc:
        raise InputError(path, f"PNG is too large ({exc})") from exc
    except _library_errors() as exc:
        # Pillow reports broken chunks as SyntaxError and short files as OSError.
        raise InputError(path, f"corrupt PNG ({type(exc).__name__}: {exc})") from exc


def kosiba_bands(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """Split a Kosiba+2020 RGB array (channels [empty, optical, X-ray]) into float32 bands.

    Rows are flipped so that row 0 is the bottom, as in FITS, which lets these bands go through the
    same rendering path as FITS cutouts. The values are already display-stretched (0-255).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected a (height, width, 3) array, got shape {rgb.shape}")
    flipped = rgb[::-1]
    return {
        "optical": np.ascontiguousarray(flipped[:, :, 1], dtype=np.float32),
        "xray": np.ascontiguousarray(flipped[:, :, 2], dtype=np.float32),
    }
