"""One rendering path for volunteers and for the CNN.

Images arrive in FITS order (row 0 is the *bottom* of the sky image); everything produced for
display is flipped so that row 0 is the top, as browsers and image files expect.

Stretching is astropy.visualization: an interval maps the data to [0, 1] (``zscale``, ``minmax``
or a percentile such as ``p99.5``), then a stretch reshapes it. The formulas, for a browser that
re-stretches the raw viewer array itself (x is the interval-normalised value, clipped to [0, 1]):

* ``linear``: x
* ``sqrt``: sqrt(x)
* ``asinh``: asinh(x / 0.1) / asinh(1 / 0.1)
* ``log``: log(1000 x + 1) / log(1001)

Non-finite pixels (NaN, inf: detector gaps, masked areas) render black. When an interval collapses
(zscale on a sparse X-ray image can return vmin == vmax) the finite min/max is used instead.

CNN input (``cnn_input``, re-exported from :mod:`ml.cnn`): the network does *not* read these
display stretches, whose limits adapt to each image; it reads the same pixels in physical units
(one angular field and pixel scale for every survey, X-ray as significance over the local
background, a coverage mask and an optical-present mask). See ``ml/cnn.py`` and ``docs/model.md``.

A model records :data:`PREPROCESSING_VERSION`, so a change here can't silently mismatch the weights
it was trained with.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

# The CNN's input lives in ml.cnn; these names stay importable from here.
from ml.cnn import CNN_CHANNELS as CNN_CHANNELS
from ml.cnn import PREPROCESSING_VERSION as PREPROCESSING_VERSION
from ml.cnn import cnn_input as cnn_input
from ml.denoise import denoise as denoise_image

DEFAULT_STRETCH = "asinh"
DEFAULT_INTERVAL = "zscale"

# Viewer arrays: code 0 marks a non-finite pixel, codes 1..65535 span [vmin, vmax] linearly.
NAN_CODE = 0
_LEVELS = 65534
DECODE_FORMULA = "value = vmin + (code - 1) * (vmax - vmin) / 65534 for code >= 1; code 0 = NaN"

# X-ray tint for composites: a blue-violet glow screened over the grey optical image.
_XRAY_TINT = np.array([0.45, 0.35, 1.0], dtype=np.float32)

# Stretch name -> (astropy.visualization class, its arguments). astropy.visualization imports
# matplotlib (~1 s, ~35 MB), so it is imported on the first stretch, not when a web process starts.
_STRETCHES: dict[str, tuple[str, dict[str, float]]] = {
    "linear": ("LinearStretch", {}),
    "sqrt": ("SqrtStretch", {}),
    "asinh": ("AsinhStretch", {"a": 0.1}),
    "log": ("LogStretch", {"a": 1000.0}),
}
STRETCH_NAMES = tuple(_STRETCHES)


@lru_cache(maxsize=32)
def _stretch(name: str) -> Any:
    if name not in _STRETCHES:
        raise ValueError(f"unknown stretch {name!r}; choose from {STRETCH_NAMES}")
    from astropy import visualization

    class_name, arguments = _STRETCHES[name]
    return getattr(visualization, class_name)(**arguments)


@lru_cache(maxsize=32)
def _interval(name: str) -> Any:
    from astropy.visualization import MinMaxInterval, PercentileInterval, ZScaleInterval

    if name == "zscale":
        # n_samples bounds the cost (about 0.6 ms) whatever the image size.
        return ZScaleInterval(n_samples=1000, contrast=0.25)
    if name == "minmax":
        return MinMaxInterval()
    if name.startswith("p"):
        try:
            percentile = float(name[1:])
        except ValueError:
            percentile = -1.0
        if 0 < percentile <= 100:
            return PercentileInterval(percentile)
    raise ValueError(f"unknown interval {name!r}; use 'zscale', 'minmax' or e.g. 'p99.5'")


def display_limits(data: np.ndarray, interval: str = DEFAULT_INTERVAL) -> tuple[float, float]:
    """The (vmin, vmax) an interval picks from the finite pixels; (0, 0) when none are finite."""
    values = np.asarray(data, dtype=np.float32)
    finite = np.isfinite(values)
    if not finite.any():
        return 0.0, 0.0
    # astropy's intervals drop non-finite values themselves.
    vmin, vmax = (float(v) for v in _interval(interval).get_limits(values))
    if not vmax > vmin:
        finite_values = values[finite]
        vmin, vmax = float(finite_values.min()), float(finite_values.max())
    return vmin, vmax


def stretch_to_unit(
    data: np.ndarray,
    *,
    stretch: str = DEFAULT_STRETCH,
    interval: str = DEFAULT_INTERVAL,
    limits: tuple[float, float] | None = None,
) -> np.ndarray:
    """Data stretched to float32 [0, 1] in its own (FITS) orientation; non-finite pixels become 0.

    ``limits`` overrides the interval (lets a caller reuse limits it already computed).
    """
    values = np.asarray(data, dtype=np.float32)
    vmin, vmax = limits if limits is not None else display_limits(values, interval)
    if not vmax > vmin:
        return np.zeros(values.shape, dtype=np.float32)
    # Composite transform: the interval normalises and clips, then the stretch is applied.
    from astropy.visualization import ManualInterval

    transform = _stretch(stretch) + ManualInterval(vmin, vmax)
    unit: np.ndarray = np.asarray(transform(values, clip=True), dtype=np.float32)
    finite = np.isfinite(values)
    return unit if finite.all() else np.where(finite, unit, np.float32(0.0))


@dataclass(frozen=True)
class ViewerArray:
    """A band quantised for the browser: raw little-endian uint16 codes, top row first."""

    payload: bytes
    width: int
    height: int
    vmin: float
    vmax: float
    nan_code: int = NAN_CODE
    # Limits of the default interval, so the browser's first view matches the server previews.
    display_limits: tuple[float, float] = field(default=(0.0, 0.0))

    def meta(self) -> dict[str, Any]:
        """JSON-ready description the browser (or :func:`decode_viewer_array`) needs to decode."""
        return {
            "dtype": "uint16",
            "byte_order": "little",
            "row_order": "top-down",
            "width": self.width,
            "height": self.height,
            "vmin": self.vmin,
            "vmax": self.vmax,
            "nan_code": self.nan_code,
            "decode": DECODE_FORMULA,
            "display_limits": list(self.display_limits),
            "default_stretch": DEFAULT_STRETCH,
            "default_interval": DEFAULT_INTERVAL,
        }


def encode_viewer_array(
    data: np.ndarray, *, display: tuple[float, float] | None = None
) -> ViewerArray:
    """Quantise finite data linearly to codes 1..65535 between its min and max; non-finite is 0.

    The decoding error is at most half a step, (vmax - vmin) / 65534 / 2. A constant image has
    vmin == vmax and every finite pixel decodes to it. ``display`` passes precomputed limits of
    the default interval (computed here otherwise).
    """
    values = np.asarray(data)
    if values.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {values.shape}")
    finite = np.isfinite(values)
    all_finite = bool(finite.all())
    if all_finite:
        vmin, vmax = float(values.min()), float(values.max())
    elif finite.any():
        vmin = float(np.min(values, where=finite, initial=np.inf))
        vmax = float(np.max(values, where=finite, initial=-np.inf))
    else:
        vmin = vmax = 0.0
    span = vmax - vmin
    if not np.isfinite(span):
        raise ValueError(f"data range {vmin}..{vmax} is too wide to quantise")
    # float32 arithmetic is 5x faster and precise enough for 16-bit codes (error < 0.01 code),
    # as long as nothing can overflow or go subnormal; otherwise work in float64.
    fast = values.dtype == np.float32 and span > 1e-30 and max(abs(vmin), abs(vmax)) < 1e30
    work = np.dtype(np.float32 if fast else np.float64)
    top_down: np.ndarray = values[::-1].astype(work, copy=False)
    finite = finite[::-1]
    scale = _LEVELS / span if span > 0 else 0.0
    with np.errstate(invalid="ignore"):
        scaled = (top_down - np.asarray(vmin, work)) * np.asarray(scale, work)
    if not all_finite:
        scaled[~finite] = 0.0  # overwritten with NAN_CODE below; avoids casting NaN
    np.clip(scaled, 0.0, _LEVELS, out=scaled)
    codes = (scaled + np.asarray(1.5, work)).astype("<u2")  # +1 shifts past NAN_CODE, +0.5 rounds
    if not all_finite:
        codes[~finite] = NAN_CODE
    return ViewerArray(
        payload=codes.tobytes(),
        width=values.shape[1],
        height=values.shape[0],
        vmin=vmin,
        vmax=vmax,
        display_limits=display if display is not None else display_limits(values),
    )


def decode_viewer_array(payload: bytes, meta: Mapping[str, Any]) -> np.ndarray:
    """Inverse of :func:`encode_viewer_array`: float64 values in FITS order, NaN where code is 0.

    float64 because that is what the browser computes with (JavaScript numbers).
    """
    width, height = int(meta["width"]), int(meta["height"])
    if len(payload) != 2 * width * height:
        raise ValueError(f"payload has {len(payload)} bytes, expected {2 * width * height}")
    codes = np.frombuffer(payload, dtype="<u2").reshape(height, width)
    vmin, vmax = float(meta["vmin"]), float(meta["vmax"])
    values = vmin + (codes.astype(np.float64) - 1.0) * ((vmax - vmin) / _LEVELS)
    values[codes == int(meta.get("nan_code", NAN_CODE))] = np.nan
    return values[::-1].copy()


def _resize(img: Image.Image, size: int | None) -> Image.Image:
    """Scale so the longest side is ``size``; box filtering averages areas and is fast."""
    if size is None or max(img.size) == size:
        return img
    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    width, height = img.size
    scale = size / max(width, height)
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    return img.resize(target, Image.Resampling.BOX)


def _grey_image(unit: np.ndarray, *, invert: bool = False) -> Image.Image:
    """8-bit greyscale image of a [0, 1] array in FITS order, flipped so row 0 is the top."""
    levels = unit[::-1] * np.float32(255.0) + np.float32(0.5)
    pixels = levels.astype(np.uint8)
    return Image.fromarray(255 - pixels if invert else pixels)


def _resample_unit(unit: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A [0, 1] array box-resampled to (rows, cols), orientation unchanged."""
    if unit.shape == shape:
        return unit
    resized = Image.fromarray(np.ascontiguousarray(unit, dtype=np.float32)).resize(
        (shape[1], shape[0]), Image.Resampling.BOX
    )
    return np.asarray(resized, dtype=np.float32)


def render_preview(
    data: np.ndarray,
    *,
    stretch: str = DEFAULT_STRETCH,
    interval: str = DEFAULT_INTERVAL,
    size: int | None = None,
    invert: bool = False,
) -> Image.Image:
    """8-bit greyscale preview, top row first; ``size`` is the longest side (None: native)."""
    unit = stretch_to_unit(data, stretch=stretch, interval=interval)
    return _resize(_grey_image(unit, invert=invert), size)


def _composite_from_units(xray: np.ndarray, optical: np.ndarray | None, size: int) -> Image.Image:
    rows, cols = xray.shape
    scale = size / max(rows, cols)
    shape = (max(1, round(rows * scale)), max(1, round(cols * scale)))
    x = _resample_unit(xray, shape)[::-1, :, None]
    tinted = x * _XRAY_TINT
    rgb: np.ndarray
    if optical is None:
        rgb = tinted
    else:
        grey = _resample_unit(optical, shape)[::-1, :, None]
        # Screen blend: the optical field stays grey where there is no X-ray emission.
        rgb = 1.0 - (1.0 - grey) * (1.0 - tinted)
    return Image.fromarray((rgb * np.float32(255.0) + np.float32(0.5)).astype(np.uint8))


def render_composite(
    xray: np.ndarray,
    optical: np.ndarray | None,
    *,
    size: int | None = None,
    stretch: str = DEFAULT_STRETCH,
    interval: str = DEFAULT_INTERVAL,
) -> Image.Image:
    """Colour preview: optical in grey with X-ray emission glowing blue-violet; top row first.

    Both cutouts are assumed to cover the same sky area (pixel scales may differ): the optical
    image is resampled onto the X-ray image's aspect. ``size`` is the longest side (None: the
    larger of the two native sizes). Without optical, the X-ray band alone is shown in the tint.
    """
    ux = stretch_to_unit(xray, stretch=stretch, interval=interval)
    uo = None if optical is None else stretch_to_unit(optical, stretch=stretch, interval=interval)
    if size is None:
        size = max(max(ux.shape), max(uo.shape) if uo is not None else 0)
    return _composite_from_units(ux, uo, size)


def encode_jpeg(img: Image.Image, quality: int = 90) -> bytes:
    """JPEG bytes (about 1 ms for a 356x356 image): the format for previews and thumbnails."""
    buffer = io.BytesIO()
    # 4:4:4 chroma keeps small coloured X-ray sources from bleeding in composites.
    img.save(buffer, "JPEG", quality=quality, subsampling=0)
    return buffer.getvalue()


def encode_png(img: Image.Image) -> bytes:
    """Lossless PNG bytes at the fastest zlib level; Pillow's default level costs 25-60 ms."""
    buffer = io.BytesIO()
    img.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


@dataclass(frozen=True)
class RenderedCandidate:
    """Everything ingestion stores for one candidate, rendered once."""

    viewer: dict[str, ViewerArray]
    previews: dict[str, bytes]  # JPEG at native size, per band
    thumbnail: bytes  # JPEG colour composite
    cnn: np.ndarray | None  # (len(CNN_CHANNELS), cnn_size, cnn_size) float32; None if not asked
    # The X-ray band denoised for display only (ml.denoise), quantised like the viewer arrays.
    denoised: ViewerArray | None = None


def render_candidate(
    xray: np.ndarray,
    optical: np.ndarray | None = None,
    *,
    thumb_size: int = 96,
    cnn_size: int | None = 64,
    quality: int = 90,
    denoise: bool = True,
    xray_pixel_arcsec: float | None = None,
    optical_pixel_arcsec: float | None = None,
) -> RenderedCandidate:
    """Viewer arrays, previews, thumbnail and CNN input, computing each band's stretch only once.

    ``cnn_size=None`` skips the CNN input (ingestion stores the viewer arrays, from which training
    recomputes it, and need not ship 48 kB per candidate between processes). ``denoise`` adds the
    X-ray band's denoised viewer array (a visual aid, never CNN input). The pixel scales feed the CNN
    input only (see :func:`ml.cnn.cnn_input`).
    """
    bands = {"xray": xray} if optical is None else {"xray": xray, "optical": optical}
    viewer: dict[str, ViewerArray] = {}
    previews: dict[str, bytes] = {}
    units: dict[str, np.ndarray] = {}
    for name, data in bands.items():
        values = np.asarray(data, dtype=np.float32)
        limits = display_limits(values)
        viewer[name] = encode_viewer_array(values, display=limits)
        units[name] = stretch_to_unit(values, limits=limits)
        previews[name] = encode_jpeg(_grey_image(units[name]), quality)
    optical_unit = units.get("optical")
    thumbnail = encode_jpeg(_composite_from_units(units["xray"], optical_unit, thumb_size), quality)
    cnn = None
    if cnn_size is not None:
        cnn = cnn_input(
            bands,
            size=cnn_size,
            xray_pixel_arcsec=xray_pixel_arcsec,
            optical_pixel_arcsec=optical_pixel_arcsec,
        )
    denoised = None
    if denoise:
        denoised = encode_viewer_array(denoise_image(np.asarray(xray, dtype=np.float32)))
    return RenderedCandidate(
        viewer=viewer, previews=previews, thumbnail=thumbnail, cnn=cnn, denoised=denoised
    )
