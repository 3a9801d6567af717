"""The CNN's input in physical units: one angular field and pixel scale, X-ray as significance.

Volunteers see display stretches whose limits adapt to each image (``ml.render``); the network
must not, or it learns one survey's pixel scale and background level (docs/model.md, "Transfer"). So every
cutout, whatever its instrument, becomes the same sky grid:

* **Geometry.** The field is :data:`FIELD_ARCSEC` (409.6", the product's 6.8' cutout) sampled by
  ``size`` pixels (6.4" at 64), centred on the cutout centre. The input is resampled with exact
  area overlaps (flux conserving: a target pixel holds the counts that fell in it), from the
  cutout's *stored* pixel scale. A cutout smaller than the field is padded with uncovered pixels;
  a larger one is cropped. ``xray_centre`` is the central half of the field at twice the sampling
  (3.2" at 64), where a faint distant cluster's core lives.
* **Coverage.** ``xray_coverage`` is the share of each target pixel that the detector saw: finite
  pixels, with positive exposure when an exposure map is given. Uncovered pixels read 0 in every
  X-ray channel, so padding, detector gaps and the field edge are visible as such, never as sky.
* **X-ray significance.** Counts per target pixel C against the expected background B there:
  B is the background map when one is given, otherwise a background rate estimated per cutout from
  an annulus (r > 0.3 field; clipped mean, pixels with a source excess dropped) times the pixel's
  exposure (or covered area without a map). The value is the Anscombe residual
  2 sqrt(C + 3/8) standardised by its exact mean and standard deviation under Poisson(B) (B
  floored at 0.1 counts), so pure background reads mean 0 and standard deviation 1 at any
  background level, then compressed as asinh(z / 2). The scalar exposure cancels: a deeper
  observation only makes a source more significant, as it is. Surface brightness in units of the
  local background noise, in short.
* **Optical.** Resampled onto the same grid (its own pixel scale; by default it spans the same
  field as the X-ray cutout), background-subtracted by its clipped median and divided by the
  clipped noise of the resampled pixels, then asinh(x / 2). ``optical_present`` is all 1 when the
  band exists and all 0 when it does not (the optical channel is then 0 too), so "no optical
  image" is never "an empty field".

Arrays come in FITS order (row 0 at the bottom) and leave in display order (row 0 at the top).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np

CNN_CHANNELS = ("xray", "xray_centre", "xray_coverage", "optical", "optical_present")
FIELD_ARCSEC = 409.6
ANNULUS_INNER = 0.3  # of the field's side: background pixels lie further than this from the centre
PREPROCESSING_VERSION = (
    "render-v3:field=409.6arcsec/area-resample/std-anscombe(bmin=0.1)-asinh(z/2)/annulus-bkg(0.3)/"
    "optical-clipped-snr-asinh(x/2)/top-row-first/centre=half/" + ",".join(CNN_CHANNELS)
)
_ANSCOMBE = 0.375


@lru_cache(maxsize=256)
def _edges(
    n_in: int, scale_in: float, n_out: int, scale_out: float
) -> tuple[np.ndarray, np.ndarray]:
    """Where the output pixel edges fall on the input grid: (integer index, fraction) per edge.

    Both grids are centred on the same point (the cutout centre); scales are arcsec per pixel.
    Edges outside the input are clipped to its border, so the pixels there receive nothing.
    """
    edges = (np.arange(n_out + 1) - n_out / 2.0) * scale_out / scale_in + n_in / 2.0
    edges = np.clip(edges, 0.0, float(n_in))
    index = np.minimum(np.floor(edges).astype(np.int64), n_in - 1)
    fraction = edges - index
    index.setflags(write=False)
    fraction.setflags(write=False)
    return index, fraction


def _integrate(cumulative: np.ndarray, index: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Differences of a piecewise-linear cumulative sum (axis 0) between consecutive edges."""
    low = cumulative[index]
    high = cumulative[index + 1]
    at_edges = low + fraction[:, None] * (high - low)
    return np.diff(at_edges, axis=0)


def resample_sum(
    image: np.ndarray, pixel_arcsec: float, size: int, field_arcsec: float = FIELD_ARCSEC
) -> np.ndarray:
    """Sum of ``image`` over each pixel of a size x size grid spanning ``field_arcsec``.

    Exact area overlaps (each input pixel's content spread evenly over it), so flux conserving
    for any ratio of pixel scales; parts of the grid outside the image get 0. Done with cumulative
    sums rather than overlap-matrix products: BLAS products this size ran on a spinning thread
    pool and cost 7x more on the shared 2-core machine.
    """
    data = np.asarray(image, dtype=np.float64)
    rows, cols = data.shape
    target = field_arcsec / size
    scale = float(pixel_arcsec)
    zero_row = np.zeros((1, cols))
    cum_rows = np.concatenate([zero_row, np.cumsum(data, axis=0)])
    along_rows = _integrate(cum_rows, *_edges(rows, scale, size, target))  # (size, cols)
    zero_col = np.zeros((1, size))
    cum_cols = np.concatenate([zero_col, np.cumsum(along_rows.T, axis=0)])
    return np.asarray(_integrate(cum_cols, *_edges(cols, scale, size, target)).T)


@lru_cache(maxsize=64)
def _full_coverage(
    shape: tuple[int, int], pixel_arcsec: float, size: int, field: float
) -> np.ndarray:
    """resample_sum of an all-ones image (a fully covered cutout), computed once per geometry."""
    out = resample_sum(np.ones(shape), pixel_arcsec, size, field)
    out.setflags(write=False)
    return out


def _resample_mask(mask: np.ndarray, pixel_arcsec: float, size: int, field: float) -> np.ndarray:
    if mask.all():
        return _full_coverage(mask.shape, pixel_arcsec, size, field)
    return resample_sum(mask.astype(np.float64), pixel_arcsec, size, field)


def _clipped_rate(counts: np.ndarray, weight: np.ndarray, select: np.ndarray) -> float:
    """Background rate (counts per unit weight) over ``select``, dropping pixels with an excess."""
    c, w = counts[select], weight[select]
    if w.sum() <= 0:
        return 0.0
    rate = float(c.sum() / w.sum())
    for _ in range(4):
        expected = rate * w
        keep = c <= expected + 3.0 * np.sqrt(expected) + 1.0
        if keep.sum() < max(4, keep.size // 4) or w[keep].sum() <= 0:
            break
        new = float(c[keep].sum() / w[keep].sum())
        if abs(new - rate) <= 1e-3 * max(rate, 1e-12):
            rate = new
            break
        rate = new
    return rate


@lru_cache(maxsize=16)
def _annulus(size: int) -> np.ndarray:
    centre = (size - 1) / 2.0
    y, x = np.mgrid[0:size, 0:size]
    radius = np.hypot(x - centre, y - centre) / size
    mask = radius > ANNULUS_INNER
    mask.setflags(write=False)
    return mask


_LAMBDA_MIN, _LAMBDA_MAX = 0.1, 200.0


@lru_cache(maxsize=1)
def _anscombe_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact mean and standard deviation of 2 sqrt(C + 3/8) for C ~ Poisson(lambda), on a grid.

    The plain Anscombe residual is biased at a few counts per pixel (-0.16 at lambda = 0.8), which
    would make faint backgrounds read as deficits; standardising by the exact moments gives mean 0
    and standard deviation 1 on pure background at every level.
    """
    from scipy.stats import poisson

    lam = np.geomspace(_LAMBDA_MIN, _LAMBDA_MAX, 300)
    k = np.arange(int(_LAMBDA_MAX + 12 * np.sqrt(_LAMBDA_MAX) + 30))
    pmf = poisson.pmf(k[None, :], lam[:, None])
    values = 2.0 * np.sqrt(k + _ANSCOMBE)
    mean = (pmf * values).sum(axis=1)
    std = np.sqrt(np.maximum((pmf * values**2).sum(axis=1) - mean**2, 1e-12))
    return np.log(lam), mean, std


def _significance(counts: np.ndarray, background: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """asinh(z / 2) of the standardised Anscombe residual z of counts against background."""
    log_lam, mean_table, std_table = _anscombe_table()
    lam = np.clip(background, _LAMBDA_MIN, None)
    log_b = np.log(lam)
    high = lam > _LAMBDA_MAX
    mean = np.interp(log_b, log_lam, mean_table)
    std = np.interp(log_b, log_lam, std_table)
    if high.any():
        # Asymptotic moments beyond the table: 2 sqrt(lambda + 3/8) - 1 / (4 sqrt(lambda)), 1.
        mean = np.where(high, 2.0 * np.sqrt(lam + _ANSCOMBE) - 0.25 / np.sqrt(lam), mean)
        std = np.where(high, 1.0, std)
    z = (2.0 * np.sqrt(np.maximum(counts, 0.0) + _ANSCOMBE) - mean) / std
    return np.where(covered > 0, np.arcsinh(z / 2.0), 0.0)


def xray_channels(
    counts: np.ndarray,
    *,
    pixel_arcsec: float | None,
    size: int,
    exposure: np.ndarray | None = None,
    background: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(whole field, centre, coverage) in FITS order, and the background rate per input pixel.

    ``pixel_arcsec`` None: the cutout is taken to span exactly the field (old subjects without a
    stored pixel scale). ``exposure`` and ``background`` are maps on the cutout's own grid.
    """
    data = np.asarray(counts, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"expected a 2-D X-ray image, got shape {data.shape}")
    scale = float(pixel_arcsec) if pixel_arcsec else FIELD_ARCSEC / max(data.shape)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"pixel scale must be positive, got {pixel_arcsec}")
    covered = np.isfinite(data)
    if exposure is not None:
        expo = np.asarray(exposure, dtype=np.float64)
        if expo.shape != data.shape:
            raise ValueError(f"exposure map {expo.shape} differs from the image {data.shape}")
        covered &= np.isfinite(expo) & (expo > 0)
        weight = np.where(covered, expo, 0.0)
    else:
        weight = covered.astype(np.float64)
    clean = np.where(covered, data, 0.0)
    # Coverage: covered input area over target pixel area; weight carries exposure (or area).
    area = (FIELD_ARCSEC / size / scale) ** 2
    whole_c = resample_sum(clean, scale, size)
    half = FIELD_ARCSEC / 2.0
    whole_area = _resample_mask(covered, scale, size, FIELD_ARCSEC)
    whole_cov = np.clip(whole_area / area, 0.0, 1.0)
    centre_c = resample_sum(clean, scale, size, half)
    centre_area = _resample_mask(covered, scale, size, half)
    if background is not None:
        bkg = np.asarray(background, dtype=np.float64)
        if bkg.shape != data.shape:
            raise ValueError(f"background map {bkg.shape} differs from the image {data.shape}")
        bkg = np.where(covered & np.isfinite(bkg), bkg, 0.0)
        whole_b = resample_sum(bkg, scale, size)
        centre_b = resample_sum(bkg, scale, size, half)
        total_w = weight.sum()
        rate = float(bkg.sum() / total_w) if total_w > 0 else 0.0
    else:
        whole_w = whole_area if exposure is None else resample_sum(weight, scale, size)
        select = _annulus(size) & (whole_cov > 0.5)
        if select.sum() < 16:
            select = whole_cov > 0.5
        rate = _clipped_rate(whole_c, whole_w, select)
        whole_b = rate * whole_w
        centre_w = centre_area if exposure is None else resample_sum(weight, scale, size, half)
        centre_b = rate * centre_w
    return (
        _significance(whole_c, whole_b, whole_cov),
        _significance(centre_c, centre_b, centre_area),
        whole_cov,
        rate,
    )


def optical_channel(image: np.ndarray, *, pixel_arcsec: float, size: int) -> np.ndarray:
    """The optical band on the field grid as clipped signal-to-noise, asinh-compressed."""
    data = np.asarray(image, dtype=np.float64)
    covered = np.isfinite(data)
    flux = resample_sum(np.where(covered, data, 0.0), pixel_arcsec, size)
    area = (FIELD_ARCSEC / size / pixel_arcsec) ** 2
    cov = _resample_mask(covered, float(pixel_arcsec), size, FIELD_ARCSEC) / area
    inside = cov > 0.99
    if not inside.any():
        return np.zeros((size, size))
    values = flux[inside]
    centre, noise = float(np.median(values)), 0.0
    for _ in range(4):
        mad = float(np.median(np.abs(values - centre)))
        noise = 1.4826 * mad
        if noise <= 0:
            break
        keep = np.abs(values - centre) < 3.0 * noise
        if keep.sum() < 16:
            break
        centre = float(np.median(values[keep]))
    if not noise > 0:
        noise = float(values.std()) or 1.0
    # Partly covered pixels are scaled up to a full pixel before comparing with the sky.
    sky = centre * np.clip(cov, 0.0, 1.0)
    value = np.arcsinh((flux - sky) / noise / 2.0)
    return np.where(cov > 0.5, value, 0.0)


def cnn_input(
    bands: Mapping[str, np.ndarray | None],
    *,
    size: int = 64,
    xray_pixel_arcsec: float | None = None,
    optical_pixel_arcsec: float | None = None,
    exposure: np.ndarray | None = None,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """CNN input of shape (len(CNN_CHANNELS), size, size), float32, display orientation.

    ``bands`` maps ``xray`` (required, counts) and ``optical`` (optional, may be None) to 2-D
    arrays in FITS order; names are case-insensitive. Other names are an error, so that a
    misspelt band can't silently become "no optical image". ``xray_pixel_arcsec`` is the X-ray
    cutout's pixel scale (None: it spans the field); ``optical_pixel_arcsec`` defaults to the
    optical cutout spanning the same sky as the X-ray one. ``exposure`` and ``background`` are
    optional maps on the X-ray cutout's grid (seconds; expected background counts per pixel).
    """
    if size < 4:
        raise ValueError(f"size must be at least 4, got {size}")
    lowered = {name.lower(): image for name, image in bands.items()}
    unknown = set(lowered) - {"xray", "optical"}
    if unknown:
        raise ValueError(f"unknown band(s) {sorted(unknown)}; expected 'xray' and 'optical'")
    xray = lowered.get("xray")
    if xray is None:
        raise ValueError("the xray band is required")
    xray = np.asarray(xray)
    whole, centre, coverage, _ = xray_channels(
        xray, pixel_arcsec=xray_pixel_arcsec, size=size, exposure=exposure, background=background
    )
    out = np.zeros((len(CNN_CHANNELS), size, size), dtype=np.float32)
    out[CNN_CHANNELS.index("xray")] = whole[::-1]
    out[CNN_CHANNELS.index("xray_centre")] = centre[::-1]
    out[CNN_CHANNELS.index("xray_coverage")] = coverage[::-1]
    optical = lowered.get("optical")
    if optical is not None:
        optical = np.asarray(optical)
        if optical_pixel_arcsec is None:
            x_scale = xray_pixel_arcsec or FIELD_ARCSEC / max(xray.shape)
            optical_pixel_arcsec = x_scale * max(xray.shape) / max(optical.shape)
        channel = optical_channel(optical, pixel_arcsec=optical_pixel_arcsec, size=size)
        out[CNN_CHANNELS.index("optical")] = channel[::-1]
        out[CNN_CHANNELS.index("optical_present")] = 1.0
    return out


def drop_optical(images: np.ndarray) -> np.ndarray:
    """A copy of stacked CNN inputs as if no optical band existed (the X-ray-only version)."""
    out = np.array(images, dtype=np.float32, copy=True)
    out[:, CNN_CHANNELS.index("optical")] = 0.0
    out[:, CNN_CHANNELS.index("optical_present")] = 0.0
    return out
