"""Concentrations, centroid shift and power ratio of one cluster image, with Poisson errors.

The image is exposure-corrected (counts / exposure per pixel) and the background subtracted: from a
background map when there is one, else from an annulus (by default the outer band of the image, beyond
``0.85`` of its half-width). Point sources are masked (a central one is kept, see
:mod:`ml.morphology.sources`); masked pixels, detector gaps and pixels without exposure are filled with
the azimuthal mean of the net surface brightness at their radius, so every aperture sees whole
circles. Apertures are centred on the X-ray peak (the maximum of the image smoothed with a 1.5-pixel
Gaussian of ``PEAK_SMOOTH_ARCSEC`` within ``PEAK_SEARCH_ARCSEC`` of the given centre, refined to sub-pixel by a parabola).

* ``c_santos`` (Santos et al. 2008): flux within 40 kpc over flux within 400 kpc.
* ``c_maughan`` (Maughan et al. 2012): flux within 0.15 r500 over flux within r500 (r500 given, e.g.
  from a catalogue; without it, no value).
* ``w`` (Poole et al. 2006; Boehringer et al. 2010): the standard deviation of the centroids of the
  apertures of 0.1, 0.15, ..., 1.0 R about the peak, in units of R, the central ``CORE_KPC`` excluded
  from every aperture (the scatter of the centroid positions themselves, so that the peak's own
  position noise enters only through where the apertures sit). R = r500 when given, else ``DEFAULT_APERTURE_KPC``
  (Cassano et al. 2010's fixed aperture), shrunk to the largest circle inside the image.
* ``p3p0``: the power ratio P3/P0 within R about the centroid of that aperture, radii in kpc.

Physical radii come from the redshift; without one the apertures are those of ``ASSUMED_REDSHIFT`` and
the result says so (``z_assumed``). A flux ratio whose outer aperture has less than half its area
inside the image is not reported. Errors are the standard deviation over ``n_resample`` Poisson
resamplings of the counts; the noise bias of ``w`` (in quadrature) and of P3/P0 (additive) is the
resamplings' mean excess over the measured value, subtracted (a bias larger than the value gives 0).
Fewer than ``min_net_counts`` net counts within R gives ``status = "not_enough_counts"`` and no numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ml.morphology.sources import SourceMask, detect_point_sources

MEASURE_VERSION = "1"
MIN_NET_COUNTS = 300.0
ASSUMED_REDSHIFT = 0.3
DEFAULT_APERTURE_KPC = 500.0
CORE_KPC = 30.0
SANTOS_INNER_KPC, SANTOS_OUTER_KPC = 40.0, 400.0
MAUGHAN_INNER = 0.15
W_APERTURES = tuple(round(0.1 + 0.05 * i, 2) for i in range(19))  # 0.1 ... 1.0
PEAK_SEARCH_ARCSEC = 30.0
PEAK_SMOOTH_ARCSEC = 12.0
PEAK_REFINE_PIX = 2.0
KEEP_CENTRAL_ARCSEC = 20.0
ANNULUS_INNER_FRACTION = 0.85
MIN_COVERAGE = 0.75
MIN_EXPOSURE_FRACTION = 0.1
N_RESAMPLE = 40

STATUS_OK = "ok"
STATUS_NOT_ENOUGH_COUNTS = "not_enough_counts"


@dataclass(frozen=True, eq=False)
class MorphologyImage:
    """Counts and exposure (s) on one pixel grid, optionally a background map in expected counts."""

    counts: np.ndarray
    exposure: np.ndarray
    pixel_arcsec: float
    background: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.counts.ndim != 2 or self.counts.shape != self.exposure.shape:
            raise ValueError("counts and exposure must be 2-D images of one shape")
        if self.background is not None and self.background.shape != self.counts.shape:
            raise ValueError("the background map must have the shape of the counts")
        if not self.pixel_arcsec > 0:
            raise ValueError("pixel_arcsec must be positive")


@dataclass(frozen=True)
class Morphology:
    status: str
    n_net_counts: float
    c_santos: float | None = None
    c_santos_err: float | None = None
    c_maughan: float | None = None
    c_maughan_err: float | None = None
    w: float | None = None
    w_err: float | None = None
    p3p0: float | None = None
    p3p0_err: float | None = None
    # Where and how it was measured.
    peak_x: float = math.nan  # 0-based pixel column
    peak_y: float = math.nan
    redshift: float | None = None
    z_assumed: bool = False
    r500_kpc: float | None = None
    aperture_kpc: float | None = None  # R of w and P3/P0
    n_masked_sources: int = 0
    n_resample: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    def values(self) -> dict[str, float | None]:
        return {
            "c_santos": self.c_santos,
            "c_santos_err": self.c_santos_err,
            "c_maughan": self.c_maughan,
            "c_maughan_err": self.c_maughan_err,
            "w": self.w,
            "w_err": self.w_err,
            "p3p0": self.p3p0,
            "p3p0_err": self.p3p0_err,
        }


@dataclass(frozen=True, eq=False)
class _Setup:
    exposure: np.ndarray
    valid: np.ndarray  # exposure > 0 and not masked
    background_rate: np.ndarray | None  # per pixel per exposure-second, from the map
    annulus: np.ndarray | None  # pixels of the background annulus
    cols: np.ndarray
    rows: np.ndarray
    start: tuple[float, float]
    search_pix: float
    smooth_pix: float
    kpc_per_pix: float
    santos_pix: tuple[float, float]
    maughan_pix: tuple[float, float] | None
    aperture_pix: float
    core_pix: float


@dataclass(frozen=True)
class _Values:
    n_net: float
    c_santos: float | None
    c_maughan: float | None
    w: float | None
    p3p0: float | None
    peak: tuple[float, float]
    aperture_pix: float


def _smooth(image: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """Normalised Gaussian smoothing: masked pixels neither count nor dilute their neighbours."""
    from scipy.ndimage import gaussian_filter

    num = gaussian_filter(image * weight, sigma, mode="constant")
    den = gaussian_filter(weight.astype(np.float64), sigma, mode="constant")
    return np.asarray(np.where(den > 1e-3, num / np.maximum(den, 1e-12), 0.0))


def _net_rate(counts: np.ndarray, setup: _Setup) -> tuple[np.ndarray, float | np.ndarray]:
    expo = setup.exposure
    rate = np.where(setup.valid, counts / np.where(expo > 0, expo, 1.0), 0.0)
    background: float | np.ndarray
    if setup.background_rate is not None:
        background = setup.background_rate
    else:
        assert setup.annulus is not None
        background = float(counts[setup.annulus].sum() / max(expo[setup.annulus].sum(), 1e-12))
    return np.where(setup.valid, rate - background, 0.0), background


def _peak(net: np.ndarray, setup: _Setup) -> tuple[float, float]:
    smooth = _smooth(net, setup.valid, setup.smooth_pix)
    sx, sy = setup.start
    near = (setup.cols - sx) ** 2 + (setup.rows - sy) ** 2 <= setup.search_pix**2
    masked = np.where(near, smooth, -np.inf)
    row, col = np.unravel_index(int(np.argmax(masked)), masked.shape)
    x, y = _vertex(smooth, int(row), int(col))
    # Then the centroid of the smoothed image within PEAK_REFINE_PIX, iterated to convergence.
    for _ in range(30):
        share = _share(np.hypot(setup.cols - x, setup.rows - y), PEAK_REFINE_PIX)
        weights = np.clip(smooth, 0.0, None) * share
        total = float(weights.sum())
        if total <= 0:
            break
        nx = float((setup.cols * weights).sum() / total)
        ny = float((setup.rows * weights).sum() / total)
        done = math.hypot(nx - x, ny - y) < 1e-3
        x, y = nx, ny
        if done:
            break
    return x, y


def _vertex(smooth: np.ndarray, row: int, col: int) -> tuple[float, float]:
    """Sub-pixel peak: the vertex of a quadratic surface fitted to the 3x3 pixels about (row, col)."""
    if not (0 < row < smooth.shape[0] - 1 and 0 < col < smooth.shape[1] - 1):
        return float(col), float(row)
    patch = smooth[row - 1 : row + 2, col - 1 : col + 2].ravel()
    dy, dx = (a.ravel().astype(np.float64) for a in np.mgrid[-1:2, -1:2])
    design = np.column_stack([np.ones(9), dx, dy, dx * dx, dx * dy, dy * dy])
    _, bx, by, axx, axy, ayy = np.linalg.lstsq(design, patch, rcond=None)[0]
    hessian = np.array([[2 * axx, axy], [axy, 2 * ayy]])
    if np.linalg.det(hessian) <= 0 or hessian[0, 0] >= 0:
        return float(col), float(row)
    offset = np.clip(np.linalg.solve(hessian, [-bx, -by]), -1.0, 1.0)
    return float(col + offset[0]), float(row + offset[1])


def _filled(
    net: np.ndarray, setup: _Setup, peak: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Net rate with unseen pixels replaced by the azimuthal mean; the radius image and profile."""
    radius = np.hypot(setup.cols - peak[0], setup.rows - peak[1])
    bins = radius.astype(np.int64)
    n_bins = int(bins.max()) + 1
    seen = np.bincount(bins[setup.valid], minlength=n_bins).astype(np.float64)
    total = np.bincount(bins[setup.valid], weights=net[setup.valid], minlength=n_bins)
    have = seen > 0
    centres = np.arange(n_bins) + 0.5
    if have.any():
        profile = np.interp(centres, centres[have], total[have] / seen[have])
    else:
        profile = np.zeros(n_bins)
    filled = np.where(setup.valid, net, profile[bins])
    return filled, radius, profile


def _flux_within(
    filled: np.ndarray, radius: np.ndarray, profile: np.ndarray, r_max: float
) -> float | None:
    """Flux inside ``r_max`` pixels: the pixels' sum, plus the profile times the area beyond the
    image edge; None when less than MIN_COVERAGE of the circle lies on the image."""
    inside = radius < r_max + 0.5
    # Each pixel weighted by (about) the share of it inside the circle, so that the flux moves
    # smoothly with the centre instead of jumping as whole pixels enter.
    share = _share(radius[inside], r_max)
    area = math.pi * r_max * r_max
    if float(share.sum()) < MIN_COVERAGE * area:
        return None
    flux = float((filled[inside] * share).sum())
    inside = radius < r_max
    bins = radius[inside].astype(np.int64)
    k = np.arange(math.ceil(r_max))
    edges_hi = np.minimum(k + 1.0, r_max)
    exact = math.pi * (edges_hi**2 - k**2.0)
    counted = np.bincount(bins, minlength=len(k))[: len(k)]
    # Only where the ring runs off the image (fewer pixels than a ring of that radius holds).
    missing = np.where(counted < 0.8 * exact, exact - counted, 0.0)
    if missing.any():
        flux += float((missing * profile[np.minimum(k, len(profile) - 1)]).sum())
    return flux


def _ratio(inner: float | None, outer: float | None) -> float | None:
    if inner is None or outer is None or outer <= 0:
        return None
    return inner / outer


def _centroid(filled: np.ndarray, setup: _Setup, share: np.ndarray) -> tuple[float, float] | None:
    """Centroid of ``filled`` with each pixel weighted by its ``share`` (0 to 1) in the aperture."""
    weights = filled * share
    total = float(weights.sum())
    if total <= 0:
        return None
    return (
        float((setup.cols * weights).sum() / total),
        float((setup.rows * weights).sum() / total),
    )


def _share(radius: np.ndarray, r_max: float) -> np.ndarray:
    """About the share of each pixel inside radius ``r_max`` (a one-pixel linear edge)."""
    return np.clip(r_max - radius + 0.5, 0.0, 1.0)


def _w(filled: np.ndarray, radius: np.ndarray, setup: _Setup, r_out: float) -> float | None:
    centroids = []
    outside_core = (radius >= setup.core_pix).astype(np.float64)
    for fraction in W_APERTURES:
        r_i = fraction * r_out
        if r_i <= setup.core_pix + 1.0:  # an annulus at least a pixel wide
            continue
        centroid = _centroid(filled, setup, outside_core * (radius < r_i))
        if centroid is None:
            return None
        centroids.append(centroid)
    if len(centroids) < 3:
        return None
    points = np.asarray(centroids)
    spread = ((points - points.mean(axis=0)) ** 2).sum(axis=1).sum() / (len(points) - 1)
    return float(math.sqrt(spread) / r_out)


def _p3p0(filled: np.ndarray, radius: np.ndarray, setup: _Setup, r_out: float) -> float | None:
    centroid = _centroid(filled, setup, _share(radius, r_out))
    if centroid is None:
        return None
    dx = (setup.cols - centroid[0]) * setup.kpc_per_pix
    dy = (setup.rows - centroid[1]) * setup.kpc_per_pix
    r = np.hypot(dx, dy)
    r_kpc = r_out * setup.kpc_per_pix
    inside = r < r_kpc
    f = filled[inside]
    a0 = float(f.sum())
    if a0 <= 0:
        return None
    phi = np.arctan2(dy[inside], dx[inside])
    r3 = r[inside] ** 3
    a3 = float((f * r3 * np.cos(3 * phi)).sum())
    b3 = float((f * r3 * np.sin(3 * phi)).sum())
    p0 = (a0 * math.log(r_kpc)) ** 2
    p3 = (a3 * a3 + b3 * b3) / (2.0 * 9.0 * r_kpc**6)
    return p3 / p0


def _measure_once(counts: np.ndarray, setup: _Setup) -> _Values:
    net, background = _net_rate(counts, setup)
    peak = _peak(net, setup)
    filled, radius, profile = _filled(net, setup, peak)
    rows, cols = counts.shape
    # The largest circle about the peak that lies on the image.
    fits = min(peak[0] + 0.5, cols - 0.5 - peak[0], peak[1] + 0.5, rows - 0.5 - peak[1])
    r_out = max(min(setup.aperture_pix, fits), 1.0)
    within = setup.valid & (radius < r_out)
    background_counts = background * setup.exposure
    if isinstance(background_counts, np.ndarray):
        background_counts = background_counts[within]
    else:
        background_counts = background_counts[within]
    n_net = float(counts[within].sum() - np.sum(background_counts))
    s_in, s_out = setup.santos_pix
    c_santos = _ratio(
        _flux_within(filled, radius, profile, s_in), _flux_within(filled, radius, profile, s_out)
    )
    c_maughan = None
    if setup.maughan_pix is not None:
        m_in, m_out = setup.maughan_pix
        c_maughan = _ratio(
            _flux_within(filled, radius, profile, m_in),
            _flux_within(filled, radius, profile, m_out),
        )
    return _Values(
        n_net=n_net,
        c_santos=c_santos,
        c_maughan=c_maughan,
        w=_w(filled, radius, setup, r_out),
        p3p0=_p3p0(filled, radius, setup, r_out),
        peak=peak,
        aperture_pix=r_out,
    )


def _std(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.std(kept, ddof=1)) if len(kept) >= 2 else None


def _kpc_per_arcsec(z: float) -> float:
    """Proper kpc per arcsec, flat LCDM H0 = 70, Om0 = 0.3 (the simulator's cosmology)."""
    from ml.simulate.physics import kpc_per_arcsec

    return kpc_per_arcsec(z)


def measure_morphology(
    image: MorphologyImage,
    *,
    centre: tuple[float, float] | None = None,
    redshift: float | None = None,
    r500_kpc: float | None = None,
    sources: SourceMask | None = None,
    detect_sources: bool = True,
    annulus_arcsec: tuple[float, float] | None = None,
    n_resample: int = N_RESAMPLE,
    rng: np.random.Generator | None = None,
    min_net_counts: float = MIN_NET_COUNTS,
) -> Morphology:
    """Measure the morphology of the cluster near ``centre`` (0-based pixel x, y; default: the
    image centre). See the module docstring for the definitions.

    ``sources``: point sources to mask (a source list); without it, and with ``detect_sources``,
    they are detected (:func:`ml.morphology.sources.detect_point_sources`). Either way, sources
    within ``KEEP_CENTRAL_ARCSEC`` of the centre are kept. ``annulus_arcsec``: inner and outer
    radius of the background annulus about the centre (ignored when the image has a background map).
    """
    if redshift is not None and not (0.0 < redshift < 10.0):
        raise ValueError("redshift must be between 0 and 10")
    if r500_kpc is not None and not r500_kpc > 0:
        raise ValueError("r500_kpc must be positive")
    counts = np.asarray(image.counts, dtype=np.float64)
    exposure = np.asarray(image.exposure, dtype=np.float64)
    counts = np.where(np.isfinite(counts), np.maximum(counts, 0.0), 0.0)
    exposure = np.where(np.isfinite(exposure) & (exposure > 0), exposure, 0.0)
    if not exposure.any():
        raise ValueError("the exposure map is zero everywhere")
    # Pixels at the edge of the field with a sliver of exposure blow up counts / exposure.
    exposure[exposure < MIN_EXPOSURE_FRACTION * exposure.max()] = 0.0
    rows, cols = counts.shape
    pix = image.pixel_arcsec
    start = centre if centre is not None else ((cols - 1) / 2.0, (rows - 1) / 2.0)
    notes: list[str] = []
    z_assumed = redshift is None
    z = ASSUMED_REDSHIFT if redshift is None else redshift
    if z_assumed:
        notes.append(f"redshift unknown: apertures at z = {ASSUMED_REDSHIFT}")
    kpc_per_pix = _kpc_per_arcsec(z) * pix

    found = sources if sources is not None else SourceMask()
    if sources is None and detect_sources:
        found = detect_point_sources(counts, exposure, pix)
    found = found.without_centre(start[0], start[1], KEEP_CENTRAL_ARCSEC / pix)
    masked = found.mask(counts.shape) if len(found) else np.zeros(counts.shape, dtype=bool)
    valid = (exposure > 0) & ~masked

    grid = np.indices(counts.shape, dtype=np.float64)
    grid_rows, grid_cols = grid[0], grid[1]
    background_rate = None
    annulus = None
    if image.background is not None:
        bkg = np.asarray(image.background, dtype=np.float64)
        background_rate = np.where(exposure > 0, bkg / np.where(exposure > 0, exposure, 1.0), 0.0)
    else:
        half = min(rows, cols) * pix / 2.0
        inner, outer = annulus_arcsec or (ANNULUS_INNER_FRACTION * half, math.inf)
        if not 0 <= inner < outer:
            raise ValueError("the background annulus needs 0 <= inner < outer")
        dist = np.hypot(grid_cols - start[0], grid_rows - start[1]) * pix
        annulus = valid & (dist >= inner) & (dist < outer)
        if annulus.sum() < 20:
            raise ValueError("the background annulus holds fewer than 20 usable pixels")

    aperture_kpc = r500_kpc if r500_kpc is not None else DEFAULT_APERTURE_KPC
    setup = _Setup(
        exposure=exposure,
        valid=valid,
        background_rate=background_rate,
        annulus=annulus,
        cols=grid_cols,
        rows=grid_rows,
        start=(float(start[0]), float(start[1])),
        search_pix=PEAK_SEARCH_ARCSEC / pix,
        smooth_pix=max(1.5, PEAK_SMOOTH_ARCSEC / pix),
        kpc_per_pix=kpc_per_pix,
        santos_pix=(SANTOS_INNER_KPC / kpc_per_pix, SANTOS_OUTER_KPC / kpc_per_pix),
        maughan_pix=None
        if r500_kpc is None
        else (MAUGHAN_INNER * r500_kpc / kpc_per_pix, r500_kpc / kpc_per_pix),
        aperture_pix=aperture_kpc / kpc_per_pix,
        core_pix=CORE_KPC / kpc_per_pix,
    )
    measured = _measure_once(counts, setup)
    common = {
        "n_net_counts": round(measured.n_net, 1),
        "peak_x": measured.peak[0],
        "peak_y": measured.peak[1],
        "redshift": redshift,
        "z_assumed": z_assumed,
        "r500_kpc": r500_kpc,
        "aperture_kpc": measured.aperture_pix * kpc_per_pix,
        "n_masked_sources": len(found),
    }
    if measured.aperture_pix < setup.aperture_pix * 0.999:
        notes.append("the w and P3/P0 aperture was shrunk to fit the image")
    if measured.n_net < min_net_counts:
        return Morphology(
            status=STATUS_NOT_ENOUGH_COUNTS,
            notes=(*notes, f"fewer than {min_net_counts:g} net counts within the aperture"),
            **common,  # type: ignore[arg-type]
        )
    if r500_kpc is None:
        notes.append("r500 unknown: no Maughan concentration")

    rng = rng or np.random.default_rng(0)
    draws = [
        _measure_once(rng.poisson(counts).astype(np.float64), setup) for _ in range(n_resample)
    ]

    def _debiased_w() -> float | None:
        if measured.w is None:
            return None
        squares = [d.w**2 for d in draws if d.w is not None]
        if not squares:
            return measured.w
        bias = float(np.mean(squares)) - measured.w**2
        return math.sqrt(max(measured.w**2 - bias, 0.0))

    def _debiased_p3p0() -> float | None:
        if measured.p3p0 is None:
            return None
        resampled = [d.p3p0 for d in draws if d.p3p0 is not None]
        if not resampled:
            return measured.p3p0
        bias = float(np.mean(resampled)) - measured.p3p0
        return max(measured.p3p0 - bias, 0.0)

    return Morphology(
        status=STATUS_OK,
        c_santos=measured.c_santos,
        c_santos_err=_std([d.c_santos for d in draws]) if measured.c_santos is not None else None,
        c_maughan=measured.c_maughan,
        c_maughan_err=_std([d.c_maughan for d in draws])
        if measured.c_maughan is not None
        else None,
        w=_debiased_w(),
        w_err=_std([d.w for d in draws]) if measured.w is not None else None,
        p3p0=_debiased_p3p0(),
        p3p0_err=_std([d.p3p0 for d in draws]) if measured.p3p0 is not None else None,
        n_resample=n_resample,
        notes=tuple(notes),
        **common,  # type: ignore[arg-type]
    )
