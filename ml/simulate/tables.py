"""The survey's tables: the public candidate list, the expert labels and the XCLASS-like catalogue.

Only ``expert_labels.csv`` and the catalogue carry any truth; ``candidates.ecsv`` is what a volunteer
or a model may see.
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import astropy.units as u
import numpy as np
from astropy.table import Table

from ml.simulate.truth import CatalogueEntry

# Column labels of the XCLASS catalogue (Koulouridis et al. 2021, VizieR J/A+A/652/A12) as best
# known; the catalogue reader in ml/catalogues accepts aliases for each.
XCLASS_COLUMNS = ("XClass", "RAdeg", "DEdeg", "z", "Class")


@dataclass(frozen=True)
class CandidateRow:
    candidate_id: str
    ra: float
    dec: float
    field: str
    file: str
    exposure_s: float
    off_axis_arcmin: float
    label: str
    redshift: float | None
    catalogue: CatalogueEntry | None
    catalogue_position: tuple[float, float] | None
    # The candidate's drawn instrument and sky settings (ml.simulate.domain.SETTING_COLUMNS),
    # and its morphology or artefact kind: truth, written to domain.csv only.
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    morphology: str = ""
    # Clusters only: shape parameters and true c, w, P3/P0 (ml.simulate.morphology), written to
    # morphology.csv only.
    shape: dict[str, Any] = dataclasses.field(default_factory=dict)


def _candidates_table(rows: list[CandidateRow]) -> Table:
    table = Table(
        {
            "candidate_id": [r.candidate_id for r in rows],
            "ra": np.array([r.ra for r in rows]),
            "dec": np.array([r.dec for r in rows]),
            "field": [r.field for r in rows],
            "file": [r.file for r in rows],
            "exposure_s": np.array([round(r.exposure_s, 1) for r in rows]),
            "off_axis_arcmin": np.array([round(r.off_axis_arcmin, 3) for r in rows]),
        }
    )
    table["ra"].unit = u.deg
    table["dec"].unit = u.deg
    table["exposure_s"].unit = u.s
    table["off_axis_arcmin"].unit = u.arcmin
    table.meta["description"] = "Simulated X-ray extended-source candidates (no class information)."
    return table


def _catalogue_table(rows: list[CandidateRow], rng: np.random.Generator) -> tuple[Table, list[str]]:
    """The catalogue, and the candidate id of each of its rows (kept out of the table)."""
    listed = [r for r in rows if r.catalogue is not None and r.catalogue_position is not None]
    # XCLASS identifiers are integers with gaps; draw distinct ones so they reveal no ordering.
    pool = max(4 * len(listed), 2000)
    ids = rng.choice(np.arange(1, pool + 1), size=len(listed), replace=False)
    table = Table(
        {
            "XClass": np.asarray(ids, dtype=np.int32),
            "RAdeg": np.array([r.catalogue_position[0] for r in listed if r.catalogue_position]),
            "DEdeg": np.array([r.catalogue_position[1] for r in listed if r.catalogue_position]),
            "z": np.array([r.catalogue.z_measured for r in listed if r.catalogue]),
            "Class": np.array([r.catalogue.class_code for r in listed if r.catalogue], dtype="U2"),
        }
    )
    table["RAdeg"].unit = u.deg
    table["DEdeg"].unit = u.deg
    table["RAdeg"].description = "Right ascension (J2000)"
    table["DEdeg"].description = "Declination (J2000)"
    table["z"].description = "Redshift"
    table["Class"].description = "C1: bright, secure extended source; C2: fainter"
    table.meta["ORIGIN"] = "ClusterHunt simulator"
    table.meta["COMMENT"] = ["Simulated catalogue in the XCLASS (VizieR J/A+A/652/A12) layout."]
    return table, [r.candidate_id for r in listed]


def write_domain_table(out_dir: Path, rows: list[CandidateRow]) -> None:
    """domain.csv: per candidate, the settings it was simulated with (truth: never ingested)."""
    from ml.simulate.domain import SETTING_COLUMNS

    with (out_dir / "domain.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", "label", "morphology", *SETTING_COLUMNS])
        for r in rows:
            values = ["" if r.settings.get(c) is None else r.settings[c] for c in SETTING_COLUMNS]
            writer.writerow([r.candidate_id, r.label, r.morphology, *values])


def write_morphology_table(out_dir: Path, rows: list[CandidateRow]) -> None:
    """morphology.csv: per simulated cluster, its shape parameters and true morphology (truth)."""
    from ml.simulate.morphology import MORPHOLOGY_COLUMNS

    with (out_dir / "morphology.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", "label", "redshift", *MORPHOLOGY_COLUMNS])
        for r in rows:
            if not r.shape:
                continue
            values = ["" if r.shape.get(c) is None else r.shape[c] for c in MORPHOLOGY_COLUMNS]
            writer.writerow([r.candidate_id, r.label, r.redshift, *values])


def write_tables(out_dir: Path, rows: list[CandidateRow], rng: np.random.Generator) -> int:
    """Write candidates.ecsv, expert_labels.csv, domain.csv, morphology.csv and
    xclass_catalogue.fits; return the catalogue's size."""
    _candidates_table(rows).write(out_dir / "candidates.ecsv", format="ascii.ecsv", overwrite=True)
    write_domain_table(out_dir, rows)
    write_morphology_table(out_dir, rows)
    catalogue, entry_ids = _catalogue_table(rows, rng)
    xclass_by_candidate = dict(zip(entry_ids, catalogue["XClass"].tolist(), strict=True))
    catalogue.write(out_dir / "xclass_catalogue.fits", format="fits", overwrite=True)
    with (out_dir / "expert_labels.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["candidate_id", "label", "xclass_id", "redshift"])
        for r in rows:
            xclass = xclass_by_candidate.get(r.candidate_id)
            writer.writerow(
                [
                    r.candidate_id,
                    r.label,
                    "" if xclass is None else xclass,
                    "" if r.redshift is None else f"{r.redshift:.4f}",
                ]
            )
    return len(catalogue)
