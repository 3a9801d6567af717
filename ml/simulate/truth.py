"""What a simulated candidate *is*: the drawn scenario, before any pixel is rendered.

Positions are offsets in arcsec from the cutout centre in image axes: +x along increasing pixel
column (west, because RA increases to the left), +y along increasing row (north). Rates are
on-axis counts/s in 0.5-2 keV for EPIC pn+2MOS; the renderer applies vignetting and exposure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Pointing:
    """Where the candidate sits in its XMM pointing."""

    exposure_s: float
    off_axis_arcmin: float
    # Direction from the optical axis to the candidate, degrees from +x towards +y.
    axis_pa_deg: float
    # Orientation of the CCD grid (and of the pn readout direction) in the image.
    roll_deg: float


@dataclass(frozen=True)
class ShockFront:
    """A remnant's limb: emission inside the circle of ``radius_arcsec`` around (x, y) keeps its
    brightness, outside it drops to ``outside_fraction``, over an edge of ``width_arcsec``."""

    x_arcsec: float
    y_arcsec: float
    radius_arcsec: float
    width_arcsec: float
    outside_fraction: float


@dataclass(frozen=True)
class BetaComponent:
    """Elliptical beta model S(r) ~ (1 + (r/rc)^2)^(-3 beta + 1/2), truncated at ``r_trunc_arcsec``."""

    x_arcsec: float
    y_arcsec: float
    rate: float  # counts/s inside the truncation radius
    rc_arcsec: float
    beta: float
    axis_ratio: float
    pa_deg: float
    r_trunc_arcsec: float
    # Clumpy emission (a remnant's interior, Galactic diffuse emission; clusters are smooth): the
    # profile times a log-normal field of this log-sigma, correlated over ``texture_scale_arcsec``
    # and drawn from ``texture_seed``, with the total rate kept. 0: a smooth beta model.
    texture: float = 0.0
    texture_scale_arcsec: float = 30.0
    texture_seed: int = 0
    # A sharp edge cutting the emission (a supernova remnant's shock front); clusters have none.
    front: ShockFront | None = None


@dataclass(frozen=True)
class ShellArc:
    """Part of a thin shell (a supernova-remnant-like rim): a Gaussian ring of ``width_arcsec``
    (sigma) at ``radius_arcsec`` around (x, y), over position angles ``pa_deg`` +- ``half_angle_deg``
    (smooth ends)."""

    x_arcsec: float
    y_arcsec: float
    radius_arcsec: float
    width_arcsec: float
    pa_deg: float
    half_angle_deg: float
    rate: float  # counts/s in the whole arc


@dataclass(frozen=True)
class PointSource:
    x_arcsec: float
    y_arcsec: float
    rate: float


@dataclass(frozen=True)
class Streak:
    """Out-of-time events: a line along the pn readout direction through (x, y)."""

    x_arcsec: float
    y_arcsec: float
    angle_deg: float
    rate_per_arcsec: float


@dataclass(frozen=True)
class HotPixel:
    """A flickering pixel (``length_pix`` = 1) or a hot column segment, fixed on the detector."""

    col: int
    row: int
    rate: float  # counts/s per pixel
    length_pix: int = 1


@dataclass(frozen=True, eq=False)
class OpticalSources:
    """Class-specific optical objects (cluster members, the nearby galaxy, a counterpart).

    ``profile``: 0 point source, 1 exponential disk, 2 de Vaucouleurs-like spheroid.
    """

    x_arcsec: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y_arcsec: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mag: np.ndarray = field(default_factory=lambda: np.zeros(0))
    r_e_arcsec: np.ndarray = field(default_factory=lambda: np.zeros(0))
    axis_ratio: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pa_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    profile: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def __len__(self) -> int:
        return len(self.mag)

    @staticmethod
    def concat(parts: list[OpticalSources]) -> OpticalSources:
        if not parts:
            return OpticalSources()
        return OpticalSources(
            x_arcsec=np.concatenate([p.x_arcsec for p in parts]),
            y_arcsec=np.concatenate([p.y_arcsec for p in parts]),
            mag=np.concatenate([p.mag for p in parts]),
            r_e_arcsec=np.concatenate([p.r_e_arcsec for p in parts]),
            axis_ratio=np.concatenate([p.axis_ratio for p in parts]),
            pa_deg=np.concatenate([p.pa_deg for p in parts]),
            profile=np.concatenate([p.profile for p in parts]).astype(np.int8),
        )


@dataclass(frozen=True)
class CatalogueEntry:
    """How the reference catalogue (XCLASS-like) lists this cluster, if it does."""

    class_code: str  # "C1" bright/secure, "C2" fainter
    dx_arcsec: float  # catalogue position minus candidate centre
    dy_arcsec: float
    z_measured: float


@dataclass(frozen=True, eq=False)
class CandidateTruth:
    label: str
    pointing: Pointing
    morphology: str
    redshift: float | None = None
    lx_erg_s: float | None = None
    core_radius_kpc: float | None = None
    beta: float | None = None
    extended: tuple[BetaComponent, ...] = ()
    points: tuple[PointSource, ...] = ()
    streaks: tuple[Streak, ...] = ()
    hot_pixels: tuple[HotPixel, ...] = ()
    shells: tuple[ShellArc, ...] = ()
    optical: OpticalSources = field(default_factory=OpticalSources)
    catalogue: CatalogueEntry | None = None

    @property
    def source_rate(self) -> float:
        """Total on-axis count rate of the candidate's own components."""
        return (
            sum(c.rate for c in self.extended)
            + sum(p.rate for p in self.points)
            + sum(s.rate for s in self.shells)
        )

    @property
    def angular_core_radius_arcsec(self) -> float | None:
        return self.extended[0].rc_arcsec if self.extended else None


def vignetting(theta_arcmin: np.ndarray | float, scale_arcmin: float) -> np.ndarray:
    """Fraction of on-axis effective area at off-axis angle theta (EPIC at ~1.5 keV, approximate)."""
    t = np.asarray(theta_arcmin, dtype=float)
    return np.asarray(1.0 / (1.0 + (t / scale_arcmin) ** 2))
