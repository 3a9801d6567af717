"""Cosmology, spectra and source-count laws the simulator draws from.

The cosmology is tabulated once (astropy is exact but slow per call, and a survey asks for distances
hundreds of thousands of times); every other function here is a closed form or a table lookup.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from astropy.cosmology import FlatLambdaCDM
from scipy.special import exp1

ARCSEC_PER_DEG = 3600.0
ARCMIN2_PER_DEG2 = 3600.0


@lru_cache(maxsize=1)
def _cosmology_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cosmo = FlatLambdaCDM(H0=70, Om0=0.3)
    z = np.geomspace(1e-4, 3.0, 4000)
    kpc_per_arcsec = cosmo.kpc_proper_per_arcmin(z).value / 60.0
    d_l_cm = cosmo.luminosity_distance(z).to("cm").value
    return z, kpc_per_arcsec, d_l_cm


def kpc_per_arcsec(z: float) -> float:
    """Proper kpc per arcsec at redshift ``z`` (flat LCDM, H0=70, Om0=0.3)."""
    zt, kpc, _ = _cosmology_tables()
    return float(np.interp(z, zt, kpc))


def luminosity_distance_cm(z: float) -> float:
    zt, _, d_l = _cosmology_tables()
    # Interpolate in log space: D_L spans five decades over the table.
    return float(np.exp(np.interp(np.log(z), np.log(zt), np.log(d_l))))


def distance_modulus(z: float) -> float:
    d_pc = luminosity_distance_cm(z) / 3.0857e18
    return float(5.0 * np.log10(d_pc / 10.0))


def cluster_temperature_kev(lx_erg_s: float) -> float:
    """Gas temperature from the soft-band luminosity through an L ~ T^3 relation (kT = 4 keV at 1e44)."""
    return float(np.clip(4.0 * (lx_erg_s / 1e44) ** (1.0 / 3.0), 0.8, 12.0))


def band_k_correction(z: float, kt_kev: float, band: tuple[float, float] = (0.5, 2.0)) -> float:
    """Observed-band / rest-band flux ratio for a bremsstrahlung-like spectrum F_E ~ exp(-E/kT).

    The observed 0.5-2 keV band samples rest-frame (1+z)x higher energies; for hot gas that band holds
    more energy, so distant clusters are slightly brighter than a naive L/(4 pi D_L^2).
    """
    lo, hi = band
    rest = np.exp(-lo / kt_kev) - np.exp(-hi / kt_kev)
    shifted = np.exp(-lo * (1 + z) / kt_kev) - np.exp(-hi * (1 + z) / kt_kev)
    return float(shifted / rest)


def luminosity_to_rate(lx_erg_s: float, z: float, ecf: float, kt_kev: float | None = None) -> float:
    """Count rate (counts/s, on axis) of a source of rest-frame 0.5-2 keV luminosity ``lx_erg_s``."""
    d_l = luminosity_distance_cm(z)
    flux = lx_erg_s / (4.0 * np.pi * d_l**2)
    if kt_kev is not None:
        flux *= band_k_correction(z, kt_kev)
    return float(flux * ecf)


def rate_to_luminosity(rate: float, z: float, ecf: float, kt_kev: float | None = None) -> float:
    """Inverse of :func:`luminosity_to_rate` (used to find the detection-limited luminosity)."""
    unit = luminosity_to_rate(1.0, z, ecf, kt_kev)
    return rate / unit


def beta_area(rc: float, beta: float, axis_ratio: float, r_trunc: float) -> float:
    """Integral of the beta profile (1 + r^2/rc^2)^(-3 beta + 1/2) over its truncated ellipse.

    A component's rate is its central surface brightness times this (in the units of rc squared).
    """
    slope = 3.0 * beta - 1.5
    return math.pi * rc**2 * axis_ratio / slope * (1.0 - (1.0 + (r_trunc / rc) ** 2) ** (-slope))


def sample_log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """One draw uniform in log x on [lo, hi] (the slope -1 case of :func:`sample_power_law`)."""
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def sample_power_law(rng: np.random.Generator, lo: float, hi: float, slope: float) -> float:
    """One draw from p(x) ~ x^slope on [lo, hi] (slope != -1)."""
    a = slope + 1.0
    u = rng.random()
    return float((lo**a + u * (hi**a - lo**a)) ** (1.0 / a))


# --- X-ray point-source counts (soft band, broken power law; Hasinger+1998, Moretti+2003 shape) ---
_LOGNLOGS_NORM_DEG2 = 80.0  # N(>1e-14 erg/s/cm^2) per deg^2
_LOGNLOGS_BREAK = 1.0e-14
_LOGNLOGS_FAINT_SLOPE = 0.8
_LOGNLOGS_BRIGHT_SLOPE = 1.5
LOGNLOGS_FLUX_MIN = 3.0e-16
LOGNLOGS_FLUX_MAX = 1.0e-12


def _n_above(flux: float | np.ndarray) -> np.ndarray:
    s = np.asarray(flux, dtype=float) / _LOGNLOGS_BREAK
    slope = np.where(s < 1.0, _LOGNLOGS_FAINT_SLOPE, _LOGNLOGS_BRIGHT_SLOPE)
    return np.asarray(_LOGNLOGS_NORM_DEG2 * s ** (-slope))


def sample_field_agn_fluxes(
    rng: np.random.Generator, area_deg2: float, flux_min: float = LOGNLOGS_FLUX_MIN
) -> np.ndarray:
    """Fluxes (erg/s/cm^2) of the unrelated AGN in ``area_deg2`` of sky, brighter than ``flux_min``."""
    n_min = float(_n_above(flux_min))
    n_max = float(_n_above(LOGNLOGS_FLUX_MAX))
    count = rng.poisson((n_min - n_max) * area_deg2)
    # Inverse transform: N(>S) is uniform between N(>S_max) and N(>S_min).
    target = n_max + rng.random(count) * (n_min - n_max)
    s = target / _LOGNLOGS_NORM_DEG2
    bright = s <= 1.0
    flux = np.empty(count)
    flux[bright] = _LOGNLOGS_BREAK * s[bright] ** (-1.0 / _LOGNLOGS_BRIGHT_SLOPE)
    flux[~bright] = _LOGNLOGS_BREAK * s[~bright] ** (-1.0 / _LOGNLOGS_FAINT_SLOPE)
    return flux


# --- Schechter luminosity function with alpha = -1 (cluster members) ---
_SCHECHTER_X = np.geomspace(1e-5, 40.0, 3000)
_SCHECHTER_TAIL = exp1(_SCHECHTER_X)  # integral_x^inf t^-1 e^-t dt, decreasing in x


def schechter_tail(x_min: float) -> float:
    """Number of alpha=-1 Schechter galaxies above L/L* = x_min, in units of phi*."""
    return float(exp1(x_min))


def sample_schechter(rng: np.random.Generator, x_min: float, count: int) -> np.ndarray:
    """``count`` draws of L/L* from an alpha=-1 Schechter function truncated below at ``x_min``."""
    target = rng.random(count) * schechter_tail(x_min)
    # The tail integral is monotonic: invert it by interpolation on the precomputed table.
    log_x = np.interp(np.log(target), np.log(_SCHECHTER_TAIL[::-1]), np.log(_SCHECHTER_X[::-1]))
    return np.asarray(np.maximum(np.exp(log_x), x_min))


def optical_number_counts(
    rng: np.random.Generator, area_deg2: float, mag_max: float, *, stars: bool
) -> np.ndarray:
    """R-band magnitudes of field stars or galaxies brighter than ``mag_max`` in ``area_deg2``.

    Galaxies: N(<m) = 3000 deg^-2 x 10^(0.4 (m - 21)); stars at high latitude: 1500 x 10^(0.2 (m - 20)).
    """
    norm, slope, ref, mag_min = (1500.0, 0.2, 20.0, 9.0) if stars else (3000.0, 0.4, 21.0, 13.0)
    n_hi = norm * 10 ** (slope * (mag_max - ref))
    n_lo = norm * 10 ** (slope * (mag_min - ref))
    count = rng.poisson((n_hi - n_lo) * area_deg2)
    target = n_lo + rng.random(count) * (n_hi - n_lo)
    return np.asarray(ref + np.log10(target / norm) / slope)


def red_k_correction_r(z: float) -> float:
    """Approximate R-band K-correction of an early-type galaxy (about 1 mag at z=0.5)."""
    return 2.0 * z
