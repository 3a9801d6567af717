"""Domain randomisation: every candidate its own instrument and sky, and settings held out of training.

A network trained on one simulated instrument learns that instrument (docs/model.md, "Transfer": its pixel
scale, its background level, "no optical band = point source"). So each candidate of a randomised
survey first draws, from its own seeded generator, what the sky and the telescope were like:

| setting | drawn from |
| --- | --- |
| PSF family | king, gauss_wings (Gaussian core + power-law wings), gauss |
| PSF FWHM on axis, off-axis elongation | uniform 3-9"; 0-0.05 per arcmin |
| pixel scale | one of 2, 2.5, 3, 3.2, 4, 4.35, 5, 6 "/px |
| cutout side | uniform 240-560" (so some cutouts are smaller than the CNN's 409.6" field) |
| background (sky and particle together) | 10^U(-1.5, 1) times the XMM 0.5-2 keV level: 2.5 decades |
| exposure | log-uniform 5-100 ks |
| field AGN density | 0.6-1.6 times the logN-logS |
| AGN inside the cluster | 25 % of clusters |
| nearby clusters | 15 % of low-redshift clusters at z 0.01-0.08 (log-uniform), filling the cutout |
| BCG magnitude (relative to M*), richness | U(-2.2, -0.8); 10^N(0, 0.2) |
| artefact kinds | the four XMM artefacts plus shell arcs, filaments, whole remnants and field-filling diffuse emission (extended non-clusters) |
| detection | a candidate needs 5 sigma over the background within 60" (extended) / 15" (point) |
| nearby galaxies' hot halo | core 0.05-1 r_e, beta 0.45-0.65 (cuspy, as real ellipticals); 35 % of spheroids luminous (10^41-10^42.3 erg/s) |
| point sources | 15 % are a pointed observation's bright target (2,000-200,000 counts at the centre) |

The draw becomes a :class:`~ml.simulate.params.SimulationParams` for that candidate (recorded in
:attr:`DomainDraw.settings`, written to the survey's ``domain.csv``), then the candidate is drawn and
rendered exactly as before. A :class:`Holdout` names settings kept out of training (one PSF family,
one pixel scale, one background decade): :meth:`DomainRandomisation.training` removes them, and
:meth:`DomainRandomisation.held_out` gives a survey that uses them (the rest drawn as in training).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ml.simulate.params import ALL_ARTEFACT_KINDS, PSF_FAMILIES, SimulationParams
from ml.simulate.physics import sample_log_uniform

PIXEL_SCALES_ARCSEC: tuple[float, ...] = (2.0, 2.5, 3.0, 3.2, 4.0, 4.35, 5.0, 6.0)
OPTICAL_PLATE_ARCSEC = 2.13
HELD_OUT_KINDS = ("psf_family", "pixel_scale", "background", "all")


@dataclass(frozen=True)
class Holdout:
    """Settings no training candidate may have."""

    psf_family: str | None = "gauss"
    pixel_scale_arcsec: float | None = 3.0
    # A log10 range of the background factor at one end of the domain's range.
    background_log10: tuple[float, float] | None = (-1.5, -0.5)


DEFAULT_HOLDOUT = Holdout()


@dataclass(frozen=True)
class DomainRandomisation:
    psf_families: tuple[str, ...] = PSF_FAMILIES
    psf_fwhm_arcsec: tuple[float, float] = (3.0, 9.0)
    psf_elongation_per_arcmin: tuple[float, float] = (0.0, 0.05)
    pixel_scales_arcsec: tuple[float, ...] = PIXEL_SCALES_ARCSEC
    cutout_arcsec: tuple[float, float] = (240.0, 560.0)
    background_log10: tuple[float, float] = (-1.5, 1.0)
    exposure_s: tuple[float, float] = (5_000.0, 100_000.0)
    field_agn_density: tuple[float, float] = (0.6, 1.6)
    cluster_agn_fraction: float = 0.25
    bcg_mag_offset: tuple[float, float] = (-2.2, -0.8)
    richness_scatter_dex: float = 0.2
    artefact_kinds: tuple[str, ...] = ALL_ARTEFACT_KINDS
    # Background-aware detection of candidates (see SimulationParams.detection_sigma).
    detection_sigma: float = 5.0
    galaxy_halo_core_re: tuple[float, float] = (0.05, 1.0)
    galaxy_halo_beta: tuple[float, float] = (0.45, 0.65)
    galaxy_luminous_halo_share: float = 0.35
    bright_target_share: float = 0.15
    nearby_cluster_share: float = 0.15

    def __post_init__(self) -> None:
        if not self.psf_families or set(self.psf_families) - set(PSF_FAMILIES):
            raise ValueError(f"PSF families must be drawn from {PSF_FAMILIES}")
        if not self.pixel_scales_arcsec or min(self.pixel_scales_arcsec) <= 0:
            raise ValueError("pixel scales must be positive")
        for name in ("psf_fwhm_arcsec", "cutout_arcsec", "background_log10", "exposure_s"):
            lo, hi = getattr(self, name)
            if not lo <= hi:
                raise ValueError(f"{name}: empty range {lo}..{hi}")

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def training(self, holdout: Holdout = DEFAULT_HOLDOUT) -> DomainRandomisation:
        """This domain without the held-out settings."""
        families = tuple(f for f in self.psf_families if f != holdout.psf_family)
        scales = tuple(s for s in self.pixel_scales_arcsec if s != holdout.pixel_scale_arcsec)
        background = self.background_log10
        if holdout.background_log10 is not None:
            lo, hi = holdout.background_log10
            if math.isclose(lo, background[0]):
                background = (hi, background[1])
            elif math.isclose(hi, background[1]):
                background = (background[0], lo)
            else:
                raise ValueError(
                    "the held-out background range must sit at one end of the domain's"
                )
        return replace(
            self, psf_families=families, pixel_scales_arcsec=scales, background_log10=background
        )

    def held_out(self, which: str, holdout: Holdout = DEFAULT_HOLDOUT) -> DomainRandomisation:
        """A survey with the held-out ``which`` setting ("psf_family", "pixel_scale",
        "background" or "all"); the other settings are drawn as in :meth:`training`."""
        if which not in HELD_OUT_KINDS:
            raise ValueError(f"which must be one of {HELD_OUT_KINDS}")
        base = self.training(holdout)
        changes: dict[str, Any] = {}
        if which in ("psf_family", "all") and holdout.psf_family is not None:
            changes["psf_families"] = (holdout.psf_family,)
        if which in ("pixel_scale", "all") and holdout.pixel_scale_arcsec is not None:
            changes["pixel_scales_arcsec"] = (holdout.pixel_scale_arcsec,)
        if which in ("background", "all") and holdout.background_log10 is not None:
            changes["background_log10"] = holdout.background_log10
        return replace(base, **changes)


@dataclass(frozen=True)
class DomainDraw:
    params: SimulationParams
    settings: dict[str, Any]


def draw_domain(
    rng: np.random.Generator, domain: DomainRandomisation, base: SimulationParams
) -> DomainDraw:
    """One candidate's settings from ``domain``, as the parameters it is rendered with."""
    family = domain.psf_families[int(rng.integers(len(domain.psf_families)))]
    fwhm = float(rng.uniform(*domain.psf_fwhm_arcsec))
    elongation = float(rng.uniform(*domain.psf_elongation_per_arcmin))
    pixel = float(domain.pixel_scales_arcsec[int(rng.integers(len(domain.pixel_scales_arcsec)))])
    side = float(rng.uniform(*domain.cutout_arcsec))
    npix = max(32, 2 * round(side / pixel / 2.0))  # even: the FFT ramps need it
    log_bkg = float(rng.uniform(*domain.background_log10))
    exposure = sample_log_uniform(rng, *domain.exposure_s)
    agn_density = float(rng.uniform(*domain.field_agn_density))
    bcg = float(rng.uniform(*domain.bcg_mag_offset))
    richness = float(10 ** rng.normal(0.0, domain.richness_scatter_dex))
    fov = npix * pixel
    params = replace(
        base,
        domain=None,
        psf_family=family,
        psf_fwhm_on_axis_arcsec=fwhm,
        psf_elongation_per_arcmin=elongation,
        xray_pixel_arcsec=pixel,
        xray_npix=npix,
        optical_npix=max(32, round(fov / OPTICAL_PLATE_ARCSEC)),
        sky_background=base.sky_background * 10**log_bkg,
        particle_background=base.particle_background * 10**log_bkg,
        exposure_min_s=exposure,
        exposure_max_s=exposure,
        field_agn_density=agn_density,
        cluster_agn_fraction=domain.cluster_agn_fraction,
        bcg_mag_offset=bcg,
        richness_scale=richness,
        artefact_kinds=domain.artefact_kinds,
        detection_sigma=domain.detection_sigma,
        galaxy_halo_core_re=domain.galaxy_halo_core_re,
        galaxy_halo_beta=domain.galaxy_halo_beta,
        galaxy_luminous_halo_share=domain.galaxy_luminous_halo_share,
        bright_target_share=domain.bright_target_share,
        nearby_cluster_share=domain.nearby_cluster_share,
    )
    settings = {
        "psf_family": family,
        "psf_fwhm_arcsec": round(fwhm, 3),
        "psf_elongation_per_arcmin": round(elongation, 4),
        "pixel_arcsec": pixel,
        "npix": npix,
        "background_log10": round(log_bkg, 4),
        "exposure_s": round(exposure, 1),
        "field_agn_density": round(agn_density, 3),
        "bcg_mag_offset": round(bcg, 3),
        "richness_scale": round(richness, 3),
    }
    return DomainDraw(params=params, settings=settings)


def default_settings(params: SimulationParams) -> dict[str, Any]:
    """The same record for a candidate of an unrandomised survey."""
    return {
        "psf_family": params.psf_family,
        "psf_fwhm_arcsec": params.psf_fwhm_on_axis_arcsec,
        "psf_elongation_per_arcmin": params.psf_elongation_per_arcmin,
        "pixel_arcsec": params.xray_pixel_arcsec,
        "npix": params.xray_npix,
        "background_log10": 0.0,
        "exposure_s": None,
        "field_agn_density": params.field_agn_density,
        "bcg_mag_offset": params.bcg_mag_offset,
        "richness_scale": params.richness_scale,
    }


SETTING_COLUMNS = (
    "psf_family",
    "psf_fwhm_arcsec",
    "psf_elongation_per_arcmin",
    "pixel_arcsec",
    "npix",
    "background_log10",
    "exposure_s",
    "field_agn_density",
    "bcg_mag_offset",
    "richness_scale",
)


def randomised_params(
    domain: DomainRandomisation | None = None, base: SimulationParams | None = None
) -> SimulationParams:
    """Simulation parameters whose candidates each draw their settings from ``domain``."""
    return replace(base or SimulationParams(), domain=domain or DomainRandomisation())
