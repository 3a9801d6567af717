"""The Galactic absorption prior: how much less likely a cluster is behind the Milky Way's gas.

The CNN answers p(cluster | image) at the base rate of its training survey, which, like every extragalactic
X-ray cluster survey (XCLASS, XXL, eROSITA's cluster catalogues), lies away from the Galactic plane. Towards the
plane two things change that no single-band image shows: the interstellar gas absorbs the soft X-rays of every
background cluster, so far fewer clusters reach the survey's flux limit there, and the Galaxy's own extended
sources (supernova remnants, HII regions) take their place. A faint compact supernova remnant in the plane looks
like a faint distant cluster on its soft image; its hard, absorbed spectrum and its latitude tell them apart.

This module turns the sky position into that base-rate change, from physics rather than from labels:

1. the hydrogen column along the line of sight, N_H(b) = N_H,pole / sin|b| (a plane-parallel slab: within a
   factor of about two of the 21-cm surveys away from the plane), capped at the whole disc's column;
2. the soft-band (0.5-2 keV) transmission of a cluster spectrum (5 keV bremsstrahlung photons) through it,
   with the photoelectric cross-section sigma(E) = 2.4e-22 cm^2 (E / 1 keV)^(-8/3) (Morrison & McCammon 1983,
   smoothed over its edges);
3. the surface density of clusters above a flux limit, N(>S) ~ S^-1.5 (Euclidean counts): dimming every
   cluster by a factor T leaves T^1.5 of them detectable.

The cluster odds are multiplied by that ratio relative to the most absorbed sky the training survey covers
(N_H = 1e21 cm^-2, |b| of about 17 deg and more): a subject there or further from the plane is left alone, and
the prior only ever lowers p(cluster). It does not raise the other classes' share for the Galaxy's own sources,
so it is conservative. Simulated skies have no Galaxy in them; the product applies the prior to observed sky
positions only (``hunt.learning``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

NH_POLE = 3.0e20  # cm^-2: the slab's column at |b| = 90 deg
NH_DISC = 5.0e22  # cm^-2: at most the whole disc's column (the inner Galaxy's plane, a few 1e22)
NH_FOOTPRINT = 1.0e21  # cm^-2: the most absorbed sky of the training survey; no change up to here
SIGMA_1KEV = 2.4e-22  # cm^2 per hydrogen atom at 1 keV, solar abundances
SIGMA_SLOPE = -8.0 / 3.0
CLUSTER_KT = 5.0  # keV
COUNTS_SLOPE = 1.5  # N(>S) ~ S^-1.5
BAND_KEV = (0.5, 2.0)

_ENERGY = np.linspace(*BAND_KEV, 301)
# Photon spectrum of thermal bremsstrahlung (Gaunt factor folded into the -1.2 power).
_PHOTONS = _ENERGY**-1.2 * np.exp(-_ENERGY / CLUSTER_KT)
_SIGMA = SIGMA_1KEV * _ENERGY**SIGMA_SLOPE


def galactic_latitude(ra_deg: npt.ArrayLike, dec_deg: npt.ArrayLike) -> np.ndarray:
    """Galactic latitude b in degrees of ICRS positions (NaN where a coordinate is missing)."""
    # Imported here: astropy.coordinates is heavy and web processes must not pay for it at start-up.
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    ra = np.asarray(ra_deg, dtype=np.float64)
    dec = np.asarray(dec_deg, dtype=np.float64)
    b = np.full(np.broadcast(ra, dec).shape, np.nan)
    known = np.isfinite(ra) & np.isfinite(dec)
    if known.any():
        sky = SkyCoord(ra=ra[known] * u.deg, dec=dec[known] * u.deg, frame="icrs")
        b[known] = sky.galactic.b.deg
    return b


def galactic_column(b_deg: npt.ArrayLike) -> np.ndarray:
    """Hydrogen column N_H (cm^-2) at Galactic latitude b of the slab model, capped at the disc's."""
    sin_b = np.abs(np.sin(np.radians(np.asarray(b_deg, dtype=np.float64))))
    with np.errstate(divide="ignore"):
        return np.asarray(np.minimum(NH_POLE / sin_b, NH_DISC))


def soft_band_transmission(nh: npt.ArrayLike) -> np.ndarray:
    """Share of a cluster's 0.5-2 keV photons that pass a column N_H (1 at N_H = 0)."""
    column = np.asarray(nh, dtype=np.float64)
    passed = np.exp(-column[..., None] * _SIGMA) * _PHOTONS
    return np.asarray(np.trapezoid(passed, _ENERGY, axis=-1) / np.trapezoid(_PHOTONS, _ENERGY))


def cluster_odds_factor(nh: npt.ArrayLike) -> np.ndarray:
    """How much a column N_H lowers the odds of a cluster against the training survey's sky (<= 1)."""
    dimming = soft_band_transmission(nh) / soft_band_transmission(NH_FOOTPRINT)
    return np.asarray(np.minimum(dimming, 1.0) ** COUNTS_SLOPE)


def sky_odds_factor(ra_deg: npt.ArrayLike, dec_deg: npt.ArrayLike) -> np.ndarray:
    """The prior's factor on the cluster odds at each position; 1 where the position is unknown."""
    b = galactic_latitude(ra_deg, dec_deg)
    factor = np.ones_like(b)
    known = np.isfinite(b)
    factor[known] = cluster_odds_factor(galactic_column(b[known]))
    return factor


def apply_cluster_odds(p_cluster: npt.ArrayLike, factor: npt.ArrayLike) -> np.ndarray:
    """p(cluster) with its odds multiplied by ``factor`` (a factor of 1 returns p unchanged)."""
    p = np.asarray(p_cluster, dtype=np.float64)
    f = np.asarray(factor, dtype=np.float64)
    return np.asarray(p * f / (p * f + (1.0 - p)))


def apply_to_classes(
    class_probs: npt.ArrayLike, cluster_columns: tuple[int, ...], factor: npt.ArrayLike
) -> np.ndarray:
    """Class probabilities (N, K) with the cluster classes' odds against the rest scaled by ``factor``."""
    probs = np.array(class_probs, dtype=np.float64)
    f = np.asarray(factor, dtype=np.float64).reshape(-1, 1)
    columns = list(cluster_columns)
    probs[:, columns] *= f
    return np.asarray(probs / probs.sum(axis=1, keepdims=True))
