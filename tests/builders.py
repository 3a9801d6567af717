"""Builders for small, real input files (written with astropy, read back by the product)."""

from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

DATA = Path(__file__).resolve().parents[1] / "data"


def sky_wcs(ra: float, dec: float, size: int, scale_arcsec: float) -> WCS:
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [ra, dec]
    wcs.wcs.crpix = [(size + 1) / 2, (size + 1) / 2]
    wcs.wcs.cdelt = [-scale_arcsec / 3600, scale_arcsec / 3600]
    return wcs


def candidate_hdul(ra: float, dec: float, *, seed: int, optical: bool = True) -> fits.HDUList:
    rng = np.random.default_rng(seed)
    xray = rng.poisson(0.3, (64, 64)).astype(np.float32)
    xray[28:36, 28:36] += 20.0
    hdus: list[Any] = [fits.PrimaryHDU()]
    hdus.append(fits.ImageHDU(xray, header=sky_wcs(ra, dec, 64, 4.0).to_header(), name="XRAY"))
    hdus[-1].header["EXPOSURE"] = 15000.0
    if optical:
        image = rng.normal(100, 5, (128, 128)).astype(np.float32)
        hdus.append(
            fits.ImageHDU(image, header=sky_wcs(ra, dec, 128, 2.0).to_header(), name="OPTICAL")
        )
    return fits.HDUList(hdus)


def build_candidate_folder(root: Path, count: int = 4, *, labels: list[str] | None = None) -> Path:
    """A folder in the simulator's layout: candidates.csv, candidates/*.fits, expert_labels.csv."""
    folder = root / "survey"
    (folder / "candidates").mkdir(parents=True)
    ids = [f"CH-{i:06d}" for i in range(count)]
    # 0.3 deg apart: each candidate in its own sky cell, so train/held-out splits get several each.
    ras = [150.0 + 0.3 * i for i in range(count)]
    decs = [2.0 + 0.01 * i for i in range(count)]
    for i, cid in enumerate(ids):
        candidate_hdul(ras[i], decs[i], seed=i).writeto(folder / "candidates" / f"{cid}.fits")
    Table(
        {
            "candidate_id": ids,
            "ra": ras,
            "dec": decs,
            "field": ["F1"] * count,
            "file": [f"candidates/{cid}.fits" for cid in ids],
            "exposure_s": [15000.0] * count,
        }
    ).write(folder / "candidates.csv", format="ascii.csv")
    labels = labels or ["cluster_low_z", "point", "galaxy", "other"] * count
    Table(
        {
            "candidate_id": ids,
            "label": labels[:count],
            "xclass_id": ["101" if label.startswith("cluster") else "" for label in labels[:count]],
            "redshift": [
                0.2 if label.startswith("cluster") else np.nan for label in labels[:count]
            ],
        }
    ).write(folder / "expert_labels.csv", format="ascii.csv")
    return folder


def media_files(settings: Any) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
