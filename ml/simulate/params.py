"""Instrument and survey parameters of the simulator, in one frozen dataclass.

Every number that shapes an image lives here so that a test can switch one effect off (background,
vignetting, Poisson noise) or change the pixel scale without touching the physics code, and so that
the survey manifest can record exactly what produced a data set. Ranges and their references are in
``docs/simulator.md``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SIMULATOR_VERSION = "2.1.0"

CLASS_NAMES: tuple[str, ...] = ("cluster_low_z", "cluster_high_z", "galaxy", "point", "other")
CLUSTER_CLASSES: frozenset[str] = frozenset({"cluster_low_z", "cluster_high_z"})

# Fractions of an XAmin-like candidate list (extended-source candidates are dominated by point
# sources and artefacts; clusters are a third of it). Documented in docs/simulator.md.
DEFAULT_CLASS_MIX: dict[str, float] = {
    "cluster_low_z": 0.20,
    "cluster_high_z": 0.15,
    "galaxy": 0.15,
    "point": 0.35,
    "other": 0.15,
}

ARTEFACT_KINDS: tuple[str, ...] = ("detector_gap", "bright_wings", "oot_streak", "hot_pixels")
# Extended emission that is not a cluster: a supernova-remnant-like shell arc crossing the
# candidate, clumpy filaments (SNR knots, Galactic diffuse emission), and a whole remnant centred
# on the candidate (a shell, half of them around a compact nebula), and diffuse emission that fills
# the cutout (a remnant's interior or the Galactic ridge, with a knot or none). Used by domain
# randomisation.
EXTENDED_ARTEFACT_KINDS: tuple[str, ...] = ("shell_arc", "filaments", "remnant", "diffuse")
ALL_ARTEFACT_KINDS: tuple[str, ...] = ARTEFACT_KINDS + EXTENDED_ARTEFACT_KINDS
PSF_FAMILIES: tuple[str, ...] = ("king", "gauss_wings", "gauss")


@dataclass(frozen=True)
class SimulationParams:
    """What the simulated telescopes look like and which effects are on."""

    # --- X-ray image (XMM-Newton EPIC pn+MOS merged, 0.5-2 keV) ---
    xray_npix: int = 128
    xray_pixel_arcsec: float = 3.2
    # Extra pixels on each side of the X-ray grid so that the FFT convolution sees emission from
    # just outside the cutout; grows to ``bright_pad_pix`` when a bright source would otherwise wrap.
    pad_pix: int = 16
    bright_pad_pix: int = 96
    bright_source_counts: float = 3000.0
    psf_fwhm_on_axis_arcsec: float = 6.0
    # FWHM(theta) = FWHM0 * sqrt(1 + (theta / psf_broadening_arcmin)^2)
    psf_broadening_arcmin: float = 12.0
    # Radial elongation of the off-axis PSF per arcmin of off-axis angle.
    psf_elongation_per_arcmin: float = 0.015
    # PSF family (PSF_FAMILIES): "king" (index 3/2), "gauss_wings" (a Gaussian core with
    # ``psf_wing_fraction`` of the flux in King wings three times wider), "gauss".
    psf_family: str = "king"
    psf_wing_fraction: float = 0.2
    exposure_min_s: float = 10_000.0
    exposure_max_s: float = 20_000.0
    off_axis_max_arcmin: float = 13.0
    field_of_view_radius_arcmin: float = 15.0
    # Vignetting V(theta) = 1 / (1 + (theta / vignetting_scale_arcmin)^2)
    vignetting_scale_arcmin: float = 12.8
    # pn-like CCD grid: column boundaries every ccd_width (the axis sits mid-CCD), one row
    # boundary just below the axis; gaps carry no exposure.
    ccd_width_arcmin: float = 4.37
    ccd_row_gap_arcmin: float = -1.0
    ccd_gap_arcsec: float = 10.0
    # Background in counts/s/arcmin^2 (pn+2MOS, 0.5-2 keV): sky is vignetted, particles are not.
    sky_background: float = 4.5e-3
    particle_background: float = 2.5e-3
    # Energy conversion factor, counts/s per erg/s/cm^2, for a few-keV plasma in pn+2MOS.
    ecf_counts_per_erg_cm2: float = 1.0e12
    # Out-of-time event fraction of EPIC pn full-frame mode.
    oot_fraction: float = 0.063
    # Minimum expected counts for a source to have become a candidate at all.
    detection_counts_extended: float = 80.0
    detection_counts_point: float = 40.0
    # Background-aware detection (domain randomisation turns it on): a candidate also needs this
    # many sigma over the background counts within ``detection_radius_*`` of it, so that at a
    # high background only bright sources become candidates, as with a real detector. 0 = off.
    detection_sigma: float = 0.0
    detection_radius_extended_arcsec: float = 60.0
    detection_radius_point_arcsec: float = 15.0
    # Hot-gas halo of nearby galaxies: core radius as a share of the optical r_e (range), and
    # its beta (range). Real ellipticals have cuspy halos (cores of ~0.1 r_e).
    galaxy_halo_core_re: tuple[float, float] = (0.5, 1.0)
    galaxy_halo_beta: tuple[float, float] = (0.55, 0.65)
    # Share of spheroids that are giant ellipticals with a luminous halo (L_X 10^41-10^42.3 erg/s,
    # NGC 4649 or NGC 4472 seen close by), bright and extended in X-rays like a group.
    galaxy_luminous_halo_share: float = 0.0
    # Share of low-redshift clusters that are a pointed observation of a nearby one (z 0.01-0.08,
    # log-uniform), whose emission fills the cutout.
    nearby_cluster_share: float = 0.0
    # Share of point sources that are a pointed observation's bright target (an AGN of 2,000 to
    # 200,000 counts near the cutout centre), whose PSF wings spread over the whole cutout.
    bright_target_share: float = 0.0
    # Field AGN surface density relative to the logN-logS of ml.simulate.physics.
    field_agn_density: float = 1.0
    # Share of clusters with an AGN inside (at the BCG or a member), and its share of the rate.
    cluster_agn_fraction: float = 0.0
    # Brightest cluster galaxy: magnitude relative to M* (before the 0.3 mag scatter), and a
    # multiplier on the richness.
    bcg_mag_offset: float = -1.2
    richness_scale: float = 1.0
    # Artefact kinds the "other" class draws from, equally often.
    artefact_kinds: tuple[str, ...] = ARTEFACT_KINDS

    # --- Optical image (DSS-like photographic R band) ---
    optical_npix: int = 192
    seeing_min_arcsec: float = 2.0
    seeing_max_arcsec: float = 3.5
    optical_zero_point: float = 28.0
    optical_limit_mag: float = 20.8
    optical_sky_adu: float = 2000.0
    # Objects fainter than the plate limit still add light; render this far past it.
    optical_render_depth_mag: float = 1.0
    # Photographic saturation level above sky (soft, exponential).
    optical_saturation_adu: float = 40_000.0
    # Adu per "photon" for the source shot-noise term on top of the sky noise.
    optical_gain: float = 2.0

    # --- switches (tests turn effects off one at a time) ---
    background: bool = True
    field_sources: bool = True
    vignetting: bool = True
    detector_gaps: bool = True
    poisson: bool = True
    render_optical: bool = True
    # Domain randomisation (ml.simulate.domain.DomainRandomisation): when set, each candidate
    # draws its own instrument and sky settings from it before anything else, and is rendered
    # with the resulting parameters. None: every candidate uses the settings above.
    domain: Any = None

    def __post_init__(self) -> None:
        if self.psf_family not in PSF_FAMILIES:
            raise ValueError(f"unknown PSF family {self.psf_family!r}; choose from {PSF_FAMILIES}")
        unknown = set(self.artefact_kinds) - set(ALL_ARTEFACT_KINDS)
        if unknown or not self.artefact_kinds:
            raise ValueError(f"artefact kinds must be drawn from {ALL_ARTEFACT_KINDS}")

    @property
    def xray_fov_arcsec(self) -> float:
        return self.xray_npix * self.xray_pixel_arcsec

    @property
    def optical_pixel_arcsec(self) -> float:
        # Same field of view as the X-ray cutout, finer pixels.
        return self.xray_fov_arcsec / self.optical_npix

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data["artefact_kinds"] = list(self.artefact_kinds)
        data["domain"] = None if self.domain is None else self.domain.summary()
        return data
