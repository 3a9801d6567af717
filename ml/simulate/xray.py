"""Render the 0.5-2 keV counts image, exposure map and background of one candidate.

Extended emission (beta models) is evaluated on a padded pixel grid, point sources enter as exact
sub-pixel phase ramps in Fourier space, and both are convolved in one FFT with the analytic Fourier
transform of a King PSF of index 3/2 -- (1 + r^2/a^2)^(-3/2) transforms to exp(-2 pi a k) -- times
the pixel response. No per-photon loop anywhere: the image is the expected counts drawn once from
a Poisson distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.special

from ml.simulate import physics
from ml.simulate.params import SimulationParams
from ml.simulate.truth import BetaComponent, CandidateTruth, Pointing, ShellArc, ShockFront

# FWHM of (1 + r^2/a^2)^(-3/2) in units of a: 2 sqrt(2^(2/3) - 1).
KING_FWHM_OVER_CORE = 2.0 * math.sqrt(2.0 ** (2.0 / 3.0) - 1.0)
# Field AGN fainter than this (about 15 counts in 15 ks) are left in the diffuse sky level.
FIELD_AGN_FLUX_MIN = 1.0e-15


@dataclass(frozen=True, eq=False)
class XrayImages:
    counts: np.ndarray  # float32, Poisson draw (or the expectation with poisson=False)
    exposure: np.ndarray  # float32 seconds, vignetted, zero in gaps and outside the field of view
    source_model: np.ndarray  # float32 expected counts from sources (candidate + field AGN)
    background_model: np.ndarray  # float32 expected background counts


def psf_fwhm_arcsec(off_axis_arcmin: float, params: SimulationParams) -> float:
    """Tangential FWHM of the PSF, broadening off axis."""
    ratio = off_axis_arcmin / params.psf_broadening_arcmin
    return params.psf_fwhm_on_axis_arcsec * math.sqrt(1.0 + ratio**2)


def _pixel_offsets_arcmin(
    pointing: Pointing, params: SimulationParams
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel position relative to the optical axis (arcmin), as broadcastable row/column."""
    n = params.xray_npix
    step = params.xray_pixel_arcsec / 60.0
    offsets = (np.arange(n, dtype=np.float32) - (n - 1) / 2.0) * step
    phi = math.radians(pointing.axis_pa_deg)
    dx = np.float32(pointing.off_axis_arcmin * math.cos(phi)) + offsets[None, :]
    dy = np.float32(pointing.off_axis_arcmin * math.sin(phi)) + offsets[:, None]
    return dx, dy


def detector_mask(pointing: Pointing, params: SimulationParams) -> np.ndarray:
    """1 where the detector sees the sky, 0 in CCD gaps and outside the field of view."""
    return _mask_and_theta2(pointing, params)[0]


def _mask_and_theta2(pointing: Pointing, params: SimulationParams) -> tuple[np.ndarray, np.ndarray]:
    """Detector mask and squared off-axis angle (arcmin^2) per pixel."""
    dx, dy = _pixel_offsets_arcmin(pointing, params)
    theta2 = dx**2 + dy**2
    inside = theta2 <= params.field_of_view_radius_arcmin**2
    if params.detector_gaps:
        roll = math.radians(pointing.roll_deg)
        c, s = np.float32(math.cos(roll)), np.float32(math.sin(roll))
        half = params.ccd_gap_arcsec / 120.0
        width = params.ccd_width_arcmin
        # Column boundaries sit at (k + 1/2) CCD widths from the axis along u.
        t = (dx * c + dy * s) / np.float32(width)
        in_column_gap = np.abs(t - np.floor(t) - np.float32(0.5)) < np.float32(half / width)
        v = dy * c - dx * s
        in_row_gap = np.abs(v - np.float32(params.ccd_row_gap_arcmin)) < np.float32(half)
        inside &= ~(in_column_gap | in_row_gap)
    return inside.astype(np.float32), theta2


def exposure_map(pointing: Pointing, params: SimulationParams) -> np.ndarray:
    """Effective exposure (s) per pixel: nominal time x vignetting x detector mask."""
    mask, theta2 = _mask_and_theta2(pointing, params)
    mask *= np.float32(pointing.exposure_s)
    if params.vignetting:
        # vignetting() written out in single precision on theta^2: no square root needed.
        mask /= np.float32(1.0) + theta2 * np.float32(params.vignetting_scale_arcmin**-2)
    return mask


@lru_cache(maxsize=8)
def _frequencies(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ky = scipy.fft.fftfreq(m)[:, None]
    kx = scipy.fft.rfftfreq(m)[None, :]
    # Dropping the Nyquist row and column keeps every ramp exactly Hermitian; the PSF has <2 % of
    # its power there, so nothing visible is lost.
    nyquist = (np.abs(ky) < 0.5) & (np.abs(kx) < 0.5)
    pixel = (np.sinc(kx) * np.sinc(ky) * nyquist).astype(np.float32)
    return ky, kx, pixel


@lru_cache(maxsize=8)
def _nyquist_taper(m: int) -> np.ndarray:
    """A separable raised-cosine roll-off from 0.25 to 0.5 cycles per pixel.

    Cutting the spectrum at Nyquist rings along the rows and columns through a point source at
    about 1e-3 of its peak: invisible for ordinary sources, a bright cross through a pointed
    target of 10^5 counts or a cuspy halo that no telescope makes. Bright points and extended
    emission are rendered through this taper, which widens a sharp core by under a pixel and leaves
    the wings as they are; faint points keep the plain cut (their ringing is far below a count).
    """
    ky, kx, _ = _frequencies(m)

    def roll_off(k: np.ndarray) -> np.ndarray:
        x = np.clip((np.abs(k) - 0.25) / 0.25, 0.0, 1.0)
        return 0.5 * (1.0 + np.cos(np.pi * x))

    return (roll_off(ky) * roll_off(kx)).astype(np.float32)


GAUSS_FWHM_OVER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
WING_WIDTH = 3.0  # FWHM of the gauss_wings family's King wings, in units of the core's FWHM


def psf_transfer(
    m: int, off_axis_arcmin: float, axis_pa_deg: float, params: SimulationParams
) -> np.ndarray:
    """Fourier transform of the pixel-integrated PSF on an m x m grid (rfft layout).

    Families (``params.psf_family``), all with analytic transforms: ``king`` (1 + r^2/a^2)^(-3/2)
    -> exp(-2 pi a k); ``gauss`` -> exp(-2 pi^2 sigma^2 k^2); ``gauss_wings``, a Gaussian core
    with ``psf_wing_fraction`` of the flux in King wings (power law r^-3) three times wider.
    """
    ky, kx, pixel = _frequencies(m)
    fwhm_pix = psf_fwhm_arcsec(off_axis_arcmin, params) / params.xray_pixel_arcsec
    # Off axis the PSF stretches along the radial direction (towards the optical axis).
    stretch = 1.0 + params.psf_elongation_per_arcmin * off_axis_arcmin
    phi = math.radians(axis_pa_deg)
    k_rad = kx * math.cos(phi) + ky * math.sin(phi)
    k_tan = -kx * math.sin(phi) + ky * math.cos(phi)
    k_eff = np.sqrt((stretch * k_rad) ** 2 + k_tan**2).astype(np.float32)

    def king(fwhm: float) -> np.ndarray:
        return np.exp(np.float32(-2.0 * np.pi * fwhm / KING_FWHM_OVER_CORE) * k_eff)

    def gauss(fwhm: float) -> np.ndarray:
        sigma = fwhm / GAUSS_FWHM_OVER_SIGMA
        return np.exp(np.float32(-2.0 * np.pi**2 * sigma**2) * k_eff * k_eff)

    if params.psf_family == "king":
        transfer = king(fwhm_pix)
    elif params.psf_family == "gauss":
        transfer = gauss(fwhm_pix)
    else:
        wings = np.float32(params.psf_wing_fraction)
        transfer = (np.float32(1.0) - wings) * gauss(fwhm_pix) + wings * king(WING_WIDTH * fwhm_pix)
    return np.asarray(transfer * pixel)


def beta_fraction_within(r_arcsec: float, comp: BetaComponent) -> float:
    """Fraction of a (circular) component's rate inside radius r, analytic."""
    slope = 3.0 * comp.beta - 1.5
    r = min(r_arcsec, comp.r_trunc_arcsec)
    inner = 1.0 - (1.0 + (r / comp.rc_arcsec) ** 2) ** (-slope)
    total = 1.0 - (1.0 + (comp.r_trunc_arcsec / comp.rc_arcsec) ** 2) ** (-slope)
    return inner / total


def _add_beta(image: np.ndarray, comp: BetaComponent, pixel_arcsec: float) -> None:
    m = image.shape[0]
    grid = np.arange(m, dtype=np.float32) - np.float32((m - 1) / 2.0)
    pa = math.radians(comp.pa_deg)
    c, s = math.cos(pa), math.sin(pa)
    rc = comp.rc_arcsec / pixel_arcsec
    rt = comp.r_trunc_arcsec / pixel_arcsec
    # Coordinates already divided by the core radius (and the minor axis by the axis ratio).
    dx = (grid - np.float32(comp.x_arcsec / pixel_arcsec)) / np.float32(rc)
    dy = (grid - np.float32(comp.y_arcsec / pixel_arcsec)) / np.float32(rc)
    major = dx[None, :] * np.float32(c) + dy[:, None] * np.float32(s)
    minor = (dy[:, None] * np.float32(c) - dx[None, :] * np.float32(s)) / np.float32(
        comp.axis_ratio
    )
    r2 = major * major + minor * minor
    slope = 3.0 * comp.beta - 1.5
    profile = (r2 + np.float32(1.0)) ** np.float32(-(slope + 1.0))
    profile[r2 > np.float32((rt / rc) ** 2)] = 0.0
    # Analytic integral inside the truncation radius, so ``rate`` is the total inside it.
    norm = physics.beta_area(rc, comp.beta, comp.axis_ratio, rt)
    if comp.texture > 0:
        clumps = _lognormal_field(
            m, comp.texture, comp.texture_scale_arcsec / pixel_arcsec, comp.texture_seed
        )
        inside = float(profile.sum())
        profile = profile * clumps
        # Keep the component's total on the grid: the clumps move flux about, they add none.
        if inside > 0:
            profile *= np.float32(inside / max(float(profile.sum()), 1e-30))
    if comp.front is not None:
        profile = profile * _front_mask(m, comp.front, pixel_arcsec)
    image += profile * np.float32(comp.rate / norm)


def _front_mask(m: int, front: ShockFront, pixel_arcsec: float) -> np.ndarray:
    """1 inside the front's circle, ``outside_fraction`` beyond it, an erfc step between."""
    grid = (np.arange(m, dtype=np.float32) - np.float32((m - 1) / 2.0)) * np.float32(pixel_arcsec)
    dx = grid[None, :] - np.float32(front.x_arcsec)
    dy = grid[:, None] - np.float32(front.y_arcsec)
    beyond = (np.sqrt(dx * dx + dy * dy) - np.float32(front.radius_arcsec)) / np.float32(
        max(front.width_arcsec, 1e-3)
    )
    step = 0.5 * scipy.special.erfc(beyond)
    return (front.outside_fraction + (1.0 - front.outside_fraction) * step).astype(np.float32)


def _lognormal_field(m: int, sigma: float, scale_pix: float, seed: int) -> np.ndarray:
    """exp(sigma g - sigma^2 / 2) for a unit-variance Gaussian field g smoothed over ``scale_pix``."""
    white = np.random.default_rng(seed).standard_normal((m, m)).astype(np.float32)
    ky, kx, _ = _frequencies(m)
    smooth = np.exp(-2.0 * np.pi**2 * scale_pix**2 * (kx * kx + ky * ky)).astype(np.float32)
    g = scipy.fft.irfft2(scipy.fft.rfft2(white) * smooth, s=(m, m))
    g /= max(float(g.std()), 1e-12)
    return np.exp(np.float32(sigma) * g - np.float32(0.5 * sigma * sigma)).astype(np.float32)


def _add_shell(image: np.ndarray, shell: ShellArc, pixel_arcsec: float) -> None:
    """A Gaussian rim over part of a circle, normalised numerically to ``shell.rate``."""
    m = image.shape[0]
    grid = (np.arange(m, dtype=np.float32) - np.float32((m - 1) / 2.0)) * np.float32(pixel_arcsec)
    dx = grid[None, :] - np.float32(shell.x_arcsec)
    dy = grid[:, None] - np.float32(shell.y_arcsec)
    radius = np.sqrt(dx * dx + dy * dy)
    ring = np.exp(-0.5 * ((radius - np.float32(shell.radius_arcsec)) / shell.width_arcsec) ** 2)
    angle = np.degrees(np.arctan2(dy, dx)) - np.float32(shell.pa_deg)
    angle = (angle + 180.0) % 360.0 - 180.0
    # Smooth ends: full brightness inside the arc, a Gaussian fade of 15 degrees beyond it.
    beyond = np.maximum(np.abs(angle) - np.float32(shell.half_angle_deg), 0.0)
    profile = ring * np.exp(-0.5 * (beyond / 15.0) ** 2)
    total = float(profile.sum())
    if total > 0:
        image += profile.astype(np.float32) * np.float32(shell.rate / total)


def _point_ramps(points: np.ndarray, m: int, pixel_arcsec: float) -> np.ndarray:
    """Sum of sub-pixel delta functions, directly in rfft2 layout (separable phase ramps).

    ``points`` is an (N, 3) array of x_arcsec, y_arcsec, rate. The sum over sources of
    outer(e^{-2 pi i ky y}, e^{-2 pi i kx x}) is built from real cos/sin tables for ky >= 0 only;
    negative ky follow by symmetry (cos even, sin odd). einsum rather than BLAS: OpenBLAS runs a
    product this size on a thread pool whose threads then spin, doubling the CPU the simulator
    takes from a two-core machine for no gain.
    """
    ky, kx, _ = _frequencies(m)
    centre = (m - 1) / 2.0
    half = m // 2 + 1  # ky = 0 .. +1/2, the rfft2 rows 0 .. m/2
    phase_y = (-2.0 * np.pi) * ky[:half] * (centre + points[:, 1] / pixel_arcsec)[None, :]
    phase_x = (-2.0 * np.pi) * (centre + points[:, 0:1] / pixel_arcsec) * kx  # (N, m//2 + 1)
    rate = points[:, 2][None, :]
    cy, sy = np.cos(phase_y) * rate, np.sin(phase_y) * rate  # (half, N)
    cx, sx = np.cos(phase_x), np.sin(phase_x)  # (N, nx)
    both_y = np.concatenate([cy, sy], axis=0)
    both_x = np.concatenate([cx, sx], axis=1)
    prod = np.einsum("yn,nx->yx", both_y, both_x)
    nx = kx.shape[1]
    cc, cs = prod[:half, :nx], prod[:half, nx:]
    sc, ss = prod[half:, :nx], prod[half:, nx:]
    out = np.empty((m, nx), dtype=np.complex128)
    # (cy + i sy)(cx + i sx) = (cy cx - sy sx) + i (cy sx + sy cx); at -ky, sy changes sign.
    out.real[:half] = cc - ss
    out.imag[:half] = cs + sc
    # rfft2 rows m/2+1 .. m-1 hold ky = -(m/2-1) .. -1, i.e. rows m/2-1 .. 1 mirrored.
    mirror = slice(half - 2, 0, -1)
    out.real[half:] = cc[mirror] + ss[mirror]
    out.imag[half:] = cs[mirror] - sc[mirror]
    return out


def _field_agn(rng: np.random.Generator, params: SimulationParams) -> np.ndarray:
    """Unrelated AGN over the padded grid, as an (N, 3) array of x_arcsec, y_arcsec, rate."""
    side_arcsec = (params.xray_npix + 2 * params.pad_pix) * params.xray_pixel_arcsec
    # Fainter AGN are part of the unresolved background already in ``sky_background``.
    area = (side_arcsec / 3600.0) ** 2 * params.field_agn_density
    fluxes = physics.sample_field_agn_fluxes(rng, area, FIELD_AGN_FLUX_MIN)
    pos = rng.uniform(-side_arcsec / 2.0, side_arcsec / 2.0, (len(fluxes), 2))
    return np.column_stack([pos, fluxes * params.ecf_counts_per_erg_cm2])


def _streaks_and_hot_pixels(truth: CandidateTruth, params: SimulationParams) -> np.ndarray:
    """Detector-frame rates (counts/s/pixel): not vignetted, not sky sources."""
    n = params.xray_npix
    pix = params.xray_pixel_arcsec
    rates = np.zeros((n, n))
    grid = np.arange(n) - (n - 1) / 2.0
    core = psf_fwhm_arcsec(truth.pointing.off_axis_arcmin, params) / KING_FWHM_OVER_CORE / pix
    for streak in truth.streaks:
        ang = math.radians(streak.angle_deg)
        dist = -(grid[None, :] - streak.x_arcsec / pix) * math.sin(ang) + (
            grid[:, None] - streak.y_arcsec / pix
        ) * math.cos(ang)
        # The King PSF integrated along a line is a Lorentzian of half-width a across it.
        rates += streak.rate_per_arcsec * pix / (math.pi * core * (1.0 + (dist / core) ** 2))
    for hot in truth.hot_pixels:
        if 0 <= hot.col < n:
            rows = slice(max(hot.row, 0), min(hot.row + hot.length_pix, n))
            rates[rows, hot.col] += hot.rate
    return rates


def render_xray(
    rng: np.random.Generator, truth: CandidateTruth, params: SimulationParams
) -> XrayImages:
    n = params.xray_npix
    pix = params.xray_pixel_arcsec
    pointing = truth.pointing
    exposure = exposure_map(pointing, params)
    points = np.array([(p.x_arcsec, p.y_arcsec, p.rate) for p in truth.points]).reshape(-1, 3)
    if params.field_sources:
        points = np.concatenate([points, _field_agn(rng, params)])
    is_bright = points[:, 2] * pointing.exposure_s > params.bright_source_counts
    bright = bool(np.any(is_bright))
    # A bright source's PSF wings would wrap round the FFT grid onto the cutout; pad further.
    pad = params.bright_pad_pix if bright else params.pad_pix
    m = n + 2 * pad

    spectrum: np.ndarray | None = None
    if truth.extended or truth.shells:
        sky = np.zeros((m, m), dtype=np.float32)
        for comp in truth.extended:
            _add_beta(sky, comp, pix)
        for shell in truth.shells:
            _add_shell(sky, shell, pix)
        # Extended emission with a core narrower than a pixel (a cuspy galaxy halo, a knot) has
        # power up to Nyquist and would ring like a bright point; smooth emission has none there.
        spectrum = scipy.fft.rfft2(sky) * _nyquist_taper(m)
    if len(points):
        # Single precision from here: a relative 1e-7 is far below one count, and the FFT of
        # complex64 costs half as much.
        ramps = _point_ramps(points[~is_bright], m, pix).astype(np.complex64)
        if bright:
            ramps += _point_ramps(points[is_bright], m, pix) * _nyquist_taper(m)
        spectrum = ramps if spectrum is None else spectrum + ramps
    if spectrum is None:
        rate_image = np.zeros((n, n))
    else:
        spectrum *= psf_transfer(m, pointing.off_axis_arcmin, pointing.axis_pa_deg, params)
        full = scipy.fft.irfft2(spectrum, s=(m, m))
        # Band-limited ramps ring at the 1e-3 level; a rate cannot be negative.
        rate_image = np.maximum(full[pad : pad + n, pad : pad + n], 0.0)

    mask = exposure > 0
    source = rate_image * exposure
    if truth.streaks or truth.hot_pixels:
        source += _streaks_and_hot_pixels(truth, params) * pointing.exposure_s * mask
    if params.background:
        pixel_area = (pix / 60.0) ** 2
        background = params.sky_background * pixel_area * exposure + (
            params.particle_background * pixel_area * pointing.exposure_s * mask
        )
    else:
        background = np.zeros((n, n))
    expected = source + background
    counts = rng.poisson(expected) if params.poisson else expected
    return XrayImages(
        counts=np.asarray(counts, dtype=np.float32),
        exposure=exposure,
        source_model=np.asarray(source, dtype=np.float32),
        background_model=np.asarray(background, dtype=np.float32),
    )
