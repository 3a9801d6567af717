"""Render a DSS-like photographic optical image of the candidate's field.

Every object is a sum of elliptical Gaussians: Sérsic-like galaxy profiles as Gaussian mixtures, and
a two-Gaussian seeing profile (core plus the broad wings of photographic plates). A Gaussian
convolved with a Gaussian is a Gaussian, so seeing costs nothing; each component is drawn on a small
stamp sized for its brightness, all stamps of one size at once, and scattered into the image with a
single ``bincount``.
"""

from __future__ import annotations

import math

import numpy as np

from ml.simulate import physics
from ml.simulate.params import SimulationParams
from ml.simulate.truth import CandidateTruth, OpticalSources

# Gaussian mixtures (weights, sigmas in units of r_e) for Sérsic n=1 (disk) and n=4 (spheroid),
# fitted by least squares to the radial profiles over 0-5 and 0-8 r_e (see docs/simulator.md).
# Index = the ``profile`` code in OpticalSources; 0 is a point source.
PROFILE_MIXTURES: dict[int, tuple[tuple[float, ...], tuple[float, ...]]] = {
    0: ((1.0,), (0.0,)),
    1: ((0.0746, 0.4203, 0.5051), (0.2714, 0.6490, 1.2591)),
    2: ((0.0125, 0.0678, 0.1930, 0.3481, 0.3786), (0.0164, 0.0695, 0.2248, 0.6712, 2.1620)),
}
# Seeing: a Gaussian core and 10 % of the light in wings three times wider.
SEEING_MIXTURE: tuple[tuple[float, float], ...] = ((0.9, 1.0), (0.1, 3.0))
FWHM_OVER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))
_STAMP_HALF_SIZES = (2, 3, 5, 8, 12, 18, 27, 40, 60, 90, 128)


def plate_noise_sigma(params: SimulationParams) -> float:
    """Sky noise per pixel that puts the 5-sigma limit (in a FWHM-radius aperture) at the plate limit."""
    seeing = (
        0.5 * (params.seeing_min_arcsec + params.seeing_max_arcsec) / params.optical_pixel_arcsec
    )
    aperture_pix = math.pi * seeing**2
    flux_limit = 10 ** (-0.4 * (params.optical_limit_mag - params.optical_zero_point))
    return flux_limit / (5.0 * math.sqrt(aperture_pix))


def field_objects(rng: np.random.Generator, params: SimulationParams) -> OpticalSources:
    """Unrelated stars and galaxies down to past the plate limit, anywhere in the frame."""
    fov = params.xray_fov_arcsec
    area = (fov / 3600.0) ** 2
    m_max = params.optical_limit_mag + params.optical_render_depth_mag
    star_mag = physics.optical_number_counts(rng, area, m_max, stars=True)
    gal_mag = physics.optical_number_counts(rng, area, m_max, stars=False)
    n_star, n_gal = len(star_mag), len(gal_mag)
    n = n_star + n_gal
    # Apparent size shrinks with magnitude: ~2.5" at R = 18, ~0.7" at R = 22.
    r_e = np.concatenate([np.zeros(n_star), 2.5 * 10 ** (-0.14 * (gal_mag - 18.0))])
    profile = np.concatenate([np.zeros(n_star), np.where(rng.random(n_gal) < 0.65, 1, 2)]).astype(
        np.int8
    )
    return OpticalSources(
        x_arcsec=rng.uniform(-fov / 2, fov / 2, n),
        y_arcsec=rng.uniform(-fov / 2, fov / 2, n),
        mag=np.concatenate([star_mag, gal_mag]),
        r_e_arcsec=r_e,
        axis_ratio=np.concatenate([np.ones(n_star), rng.uniform(0.3, 1.0, n_gal)]),
        pa_deg=rng.uniform(0.0, 180.0, n),
        profile=profile,
    )


def _gaussian_components(
    objects: OpticalSources, seeing_sigma_pix: float, params: SimulationParams
) -> tuple[np.ndarray, ...]:
    """Expand objects into Gaussian components: x, y, amplitude, and covariance (xx, xy, yy) in px.

    Objects fainter than the plate limit are lost in the noise anyway: they get one Gaussian with
    their half-light radius and the seeing core, instead of the full mixture (most objects are faint,
    so this halves the work).
    """
    pix = params.optical_pixel_arcsec
    n = params.optical_npix
    flux = 10 ** (-0.4 * (objects.mag - params.optical_zero_point))
    faint = objects.mag > params.optical_limit_mag
    x_all = objects.x_arcsec / pix + (n - 1) / 2.0
    y_all = objects.y_arcsec / pix + (n - 1) / 2.0
    pa = np.radians(objects.pa_deg)
    cos2, sin2, cossin = np.cos(pa) ** 2, np.sin(pa) ** 2, np.cos(pa) * np.sin(pa)
    r_half_sigma = 1.0 / math.sqrt(2.0 * math.log(2.0))  # half-light radius -> Gaussian sigma
    plans: list[
        tuple[np.ndarray, tuple[float, ...], tuple[float, ...], tuple[tuple[float, float], ...]]
    ]
    plans = [(faint, (1.0,), (r_half_sigma,), ((1.0, 1.0),))]
    for code, (weights, sigmas) in PROFILE_MIXTURES.items():
        plans.append((~faint & (objects.profile == code), weights, sigmas, SEEING_MIXTURE))
    parts: list[tuple[np.ndarray, ...]] = []
    for sel, weights, sigmas, seeing in plans:
        idx = np.flatnonzero(sel)
        if len(idx) == 0:
            continue
        # Broadcast objects (N) x mixture components (K) x seeing components (P).
        major2 = (np.asarray(sigmas)[None, :] * (objects.r_e_arcsec[idx] / pix)[:, None]) ** 2
        minor2 = major2 * (objects.axis_ratio[idx] ** 2)[:, None]
        # Rotated intrinsic covariance of each mixture component.
        gxx = major2 * cos2[idx, None] + minor2 * sin2[idx, None]
        gyy = major2 * sin2[idx, None] + minor2 * cos2[idx, None]
        gxy = (major2 - minor2) * cossin[idx, None]
        w_psf = np.array([w for w, _ in seeing])
        # Seeing and the pixel's own width (variance 1/12) add to the covariance.
        extra = np.array([(scale * seeing_sigma_pix) ** 2 + 1.0 / 12.0 for _, scale in seeing])
        shape = (len(idx), len(weights), len(seeing))
        amp = flux[idx, None, None] * np.asarray(weights)[None, :, None] * w_psf[None, None, :]
        parts.append(
            (
                np.broadcast_to(x_all[idx, None, None], shape).ravel(),
                np.broadcast_to(y_all[idx, None, None], shape).ravel(),
                amp.ravel(),
                (gxx[:, :, None] + extra[None, None, :]).ravel(),
                np.broadcast_to(gxy[:, :, None], shape).ravel(),
                (gyy[:, :, None] + extra[None, None, :]).ravel(),
            )
        )
    if not parts:
        return tuple(np.zeros(0) for _ in range(6))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(6))


def _draw_gaussians(image: np.ndarray, comps: tuple[np.ndarray, ...], floor: float) -> None:
    x, y, amp, cxx, cxy, cyy = comps
    if len(x) == 0:
        return
    n = image.shape[0]
    det = cxx * cyy - cxy**2
    peak = amp / (2.0 * np.pi * np.sqrt(det))
    # Stamp radius: out to where the component falls below a small fraction of the noise.
    sigma_max = np.sqrt(0.5 * (cxx + cyy) + np.sqrt(0.25 * (cxx - cyy) ** 2 + cxy**2))
    reach = sigma_max * np.sqrt(2.0 * np.log(np.maximum(peak / floor, 1.0)))
    half = np.searchsorted(_STAMP_HALF_SIZES, np.ceil(reach))
    inv_xx, inv_yy, inv_xy = cyy / det, cxx / det, -cxy / det
    # Components reaching across most of the frame (a nearby galaxy's envelope) are cheaper to
    # evaluate once on the whole grid than on a stamp larger than the image.
    whole = reach >= n / 2
    if np.any(whole):
        grid = np.arange(n, dtype=float)
        for i in np.flatnonzero(whole):
            dx = grid[None, :] - x[i]
            dy = grid[:, None] - y[i]
            q = inv_xx[i] * dx**2 + 2.0 * inv_xy[i] * dx * dy + inv_yy[i] * dy**2
            image += peak[i] * np.exp(-0.5 * q)
    indices: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    # Sort the stamped components by stamp size once, so each size is a contiguous slice.
    order = np.flatnonzero((reach > 0.0) & ~whole)
    order = order[np.argsort(half[order], kind="stable")]
    sizes = half[order]
    cx = np.rint(x[order]).astype(np.int64)
    cy = np.rint(y[order]).astype(np.int64)
    fx, fy = cx - x[order], cy - y[order]  # pixel centre minus component centre
    a_xx, a_yy, a_xy = -0.5 * inv_xx[order], -0.5 * inv_yy[order], -inv_xy[order]
    amp_peak = peak[order]
    bounds = np.searchsorted(sizes, np.arange(len(_STAMP_HALF_SIZES) + 1))
    for b, h in enumerate(_STAMP_HALF_SIZES):
        lo, hi = bounds[b], bounds[b + 1]
        if lo == hi:
            continue
        offsets = np.arange(-h, h + 1)
        cols = cx[lo:hi, None] + offsets  # (N, S)
        rows = cy[lo:hi, None] + offsets
        dx = fx[lo:hi, None] + offsets
        dy = fy[lo:hi, None] + offsets
        # exp(-q/2) = exp(-a dx^2/2) exp(-c dy^2/2) exp(-b dx dy): the first two factors are 1-D
        # per component, so only the cross term costs a full stamp of arithmetic.
        gx = np.exp(a_xx[lo:hi, None] * dx**2) * ((cols >= 0) & (cols < n))
        gy = np.exp(a_yy[lo:hi, None] * dy**2) * ((rows >= 0) & (rows < n))
        gy *= amp_peak[lo:hi, None]
        values = gy[:, :, None] * gx[:, None, :]
        cross = a_xy[lo:hi]
        if np.any(cross):
            values *= np.exp((cross[:, None] * dy)[:, :, None] * dx[:, None, :])
        rows_in = np.minimum(np.maximum(rows, 0), n - 1) * n
        cols_in = np.minimum(np.maximum(cols, 0), n - 1)
        # Off-image pixels carry zero weight, so clipping their index is harmless.
        indices.append((rows_in[:, :, None] + cols_in[:, None, :]).ravel())
        weights.append(values.ravel())
    if indices:
        flat = np.bincount(np.concatenate(indices), np.concatenate(weights), minlength=n * n)
        image += flat.reshape(n, n)


def render_optical(
    rng: np.random.Generator, truth: CandidateTruth, params: SimulationParams
) -> tuple[np.ndarray, float]:
    """Return the optical image (ADU, float32) and the seeing FWHM (arcsec) it was taken with."""
    n = params.optical_npix
    seeing_fwhm = float(rng.uniform(params.seeing_min_arcsec, params.seeing_max_arcsec))
    objects = truth.optical
    if params.field_sources:
        objects = OpticalSources.concat([objects, field_objects(rng, params)])
    sigma = plate_noise_sigma(params)
    model = np.zeros((n, n))
    seeing_sigma = seeing_fwhm / FWHM_OVER_SIGMA / params.optical_pixel_arcsec
    # Stamps end where a component drops below a tenth of the plate noise: invisible.
    _draw_gaussians(model, _gaussian_components(objects, seeing_sigma, params), floor=0.1 * sigma)
    light = model.astype(np.float32)
    image = light + np.float32(params.optical_sky_adu)
    if params.poisson:
        noise = rng.standard_normal((n, n), dtype=np.float32)
        noise *= np.sqrt(np.float32(sigma**2) + np.float32(params.optical_gain) * light)
        image += noise
    np.maximum(image, 0.0, out=image)
    # Photographic emulsion: linear up to a knee, then a soft shoulder towards saturation, so
    # bright stars flatten into discs. Only the few pixels above the knee need the exponential.
    sat = params.optical_saturation_adu + params.optical_sky_adu
    knee = 0.5 * sat
    high = image > knee
    if np.any(high):
        room = sat - knee
        image[high] = knee - room * np.expm1(-(image[high] - knee) / room)
    return np.asarray(image, dtype=np.float32), seeing_fwhm
