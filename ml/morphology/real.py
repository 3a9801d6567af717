"""Morphology of the real clusters shipped in ``data/``: Abell 1835 and Abell 907 (XMM-Newton).

Each is measured on a cutout of its full image around its MCXC centre (Piffaretti et al. 2011), with
the MCXC redshift and r500 (so both concentrations and the r500 aperture of ``w`` are defined), the
exposure map, and the field's own source list for the point sources (the cluster's own entry left
out). Abell 1835 has a background map (the PPS one); Abell 907 takes its background from an annulus
of 1.2 to 1.5 r500. Pure numpy/astropy: no Django.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.morphology.measure import Morphology, MorphologyImage, measure_morphology
from ml.morphology.sources import SourceMask

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
CUTOUT_R500 = 1.5  # cutout half-side in units of r500
ANNULUS_R500 = (1.2, 1.5)


@dataclass(frozen=True)
class RealCluster:
    name: str
    obs_id: str
    ra: float
    dec: float
    redshift: float
    r500_kpc: float


@dataclass(frozen=True)
class RealMorphology:
    cluster: RealCluster
    morphology: Morphology


def _mcxc(data_dir: Path, alt_name: str) -> tuple[float, float, float, float]:
    """(ra, dec, z, r500 in kpc) of an MCXC entry by its alternative name (e.g. ``A1835``)."""
    with (data_dir / "catalogues" / "mcxc.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if alt_name in [n.strip() for n in row["AName"].split(",")]:
                return (
                    float(row["RAdeg"]),
                    float(row["DEdeg"]),
                    float(row["z"]),
                    1000.0 * float(row["R500"]),
                )
    raise LookupError(f"{alt_name} is not in the MCXC file")


def _cut(
    path: Path, ra: float, dec: float, half_arcsec: float
) -> tuple[np.ndarray, object, float, tuple[float, float]]:
    from astropy.nddata import Cutout2D
    from astropy.wcs.utils import proj_plane_pixel_scales

    from ml.fitsio import read_fits_images

    image = next(iter(read_fits_images(path).values()))
    assert image.wcs is not None
    wcs = image.wcs.celestial
    scale = float(np.mean(proj_plane_pixel_scales(wcs)) * 3600.0)
    x, y = wcs.world_to_pixel_values(ra, dec)
    npix = 2 * math.ceil(half_arcsec / scale) + 1
    cut = Cutout2D(
        np.asarray(image.data, dtype=np.float64),
        (float(x), float(y)),
        (npix, npix),
        wcs=wcs,
        mode="partial",
        fill_value=0.0,
    )
    centre = cut.wcs.world_to_pixel_values(ra, dec)
    return np.asarray(cut.data), cut.wcs, scale, (float(centre[0]), float(centre[1]))


def _sources(
    rows: list[dict[str, str]], wcs: object, radius_key: str, scale_pix: float
) -> SourceMask:
    circles = []
    for row in rows:
        x, y = wcs.world_to_pixel_values(float(row["ra_deg"]), float(row["dec_deg"]))  # type: ignore[attr-defined]
        # At least 15 arcsec: the catalogued extent of a faint source is its PSF core only.
        radius = max(float(row[radius_key]) * scale_pix, 15.0) / scale_pix
        circles.append((float(x), float(y), radius))
    return SourceMask.from_circles(circles)


def measure_abell_1835(
    data_dir: Path = DATA_DIR, n_resample: int = 100, seed: int = 0
) -> RealMorphology:
    ra, dec, z, r500 = _mcxc(data_dir, "A1835")
    cluster = RealCluster("Abell 1835", "0098010101", ra, dec, z, r500)
    from ml.simulate.physics import kpc_per_arcsec

    half = CUTOUT_R500 * r500 / kpc_per_arcsec(z)
    folder = data_dir / "xmm" / "a1835"
    counts, wcs, scale, centre = _cut(folder / "P0098010101M2U009IMAGE_3000.FTZ", ra, dec, half)
    exposure = _cut(folder / "P0098010101M2U009EXPMAP3000.FTZ", ra, dec, half)[0]
    background = _cut(folder / "P0098010101M2X000BKGMAP3000.FTZ", ra, dec, half)[0]
    with (folder / "sources.csv").open(newline="") as handle:
        points = [r for r in csv.DictReader(handle) if r["label"] == "point"]
    measured = measure_morphology(
        MorphologyImage(counts, exposure, scale, background),
        centre=centre,
        redshift=z,
        r500_kpc=r500,
        sources=_sources(points, wcs, "radius_pix", scale),
        n_resample=n_resample,
        rng=np.random.default_rng(seed),
    )
    return RealMorphology(cluster, measured)


def measure_abell_907(
    data_dir: Path = DATA_DIR, n_resample: int = 100, seed: int = 0
) -> list[RealMorphology]:
    """One measurement per XMM observation (ObsIDs 0201901401, 0201903501, 0404910601)."""
    from ml.benchmarks.real_xmm import A907_OBSIDS
    from ml.simulate.physics import kpc_per_arcsec

    ra, dec, z, r500 = _mcxc(data_dir, "A0907")
    half_kpc = CUTOUT_R500 * r500
    half = half_kpc / kpc_per_arcsec(z)
    folder = data_dir / "xmm" / "a907"
    with (folder / "sources.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    results = []
    for obs in A907_OBSIDS:
        counts, wcs, scale, centre = _cut(
            folder / f"{obs}-0.50-2.00keVmerged_img.fits", ra, dec, half
        )
        exposure = _cut(folder / f"{obs}-0.50-2.00keVmerged_expmap.fits", ra, dec, half)[0]
        # Every source of the observation but the cluster's own extended entry.
        others = [
            r
            for r in rows
            if r["obs_id"] == obs
            and math.hypot((float(r["ra_deg"]) - ra) * math.cos(math.radians(dec)),
                           float(r["dec_deg"]) - dec) * 3600.0 > 60.0
        ]  # fmt: skip
        annulus = tuple(f * r500 / kpc_per_arcsec(z) for f in ANNULUS_R500)
        measured = measure_morphology(
            MorphologyImage(counts, exposure, scale),
            centre=centre,
            redshift=z,
            r500_kpc=r500,
            sources=_sources(others, wcs, "semi_major_pix", scale),
            annulus_arcsec=(annulus[0], annulus[1]),
            n_resample=n_resample,
            rng=np.random.default_rng(seed),
        )
        results.append(RealMorphology(RealCluster("Abell 907", obs, ra, dec, z, r500), measured))
    return results
