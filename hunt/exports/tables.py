"""Typed tables (ECSV, FITS, VOTable, Parquet) written by astropy from rows and their column fields.

Units and descriptions travel with the columns; `meta` (origin, workflow, filters, model version...)
becomes the ECSV header, FITS header cards (upper-case keys), VOTable INFO elements of the RESOURCE and the
TABLE (and the TABLE's description, which astropy's Table.read shows as `meta`) and Parquet schema metadata.
Position columns carry their IVOA UCDs (pos.eq.ra / pos.eq.dec; meta.main). Missing numbers are NaN; astropy may read NaN and empty text back as masked.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hunt.exports.subjects import Field

if TYPE_CHECKING:
    # astropy.table and astropy.io.votable cost ~0.5 s and ~40 MB at import (Parquet adds pyarrow):
    # loaded by the export job that writes a table, not by the web process that lists exports.
    from astropy.table import Table

DTYPES: dict[str, Any] = {"i8": np.int64, "f8": np.float64, "bool": np.bool_, "str": np.str_}
ASTROPY_FORMATS = {
    "ecsv": "ascii.ecsv",
    "fits": "fits",
    "votable": "votable",
    "parquet": "parquet",
}
EXTENSIONS = {"csv": "csv", "ecsv": "ecsv", "fits": "fits", "votable": "vot", "parquet": "parquet"}


def table_build(
    fields: Sequence[Field], rows: Iterable[Sequence[Any]], meta: dict[str, str]
) -> Table:
    from astropy.table import Column, Table

    columns: list[list[Any]] = [[] for _ in fields]
    for row in rows:
        for values, value in zip(columns, row, strict=True):
            values.append(value)
    table = Table(meta=dict(meta))
    for field, values in zip(fields, columns, strict=True):
        data = np.array(values, dtype=DTYPES[field.dtype])
        column = Column(
            data, name=field.name, unit=field.unit or None, description=field.description
        )
        if field.ucd:
            column.meta["ucd"] = field.ucd
        table.add_column(column)
    return table


def _ascii_only(table: Table) -> Table:
    """FITS tables hold ASCII text only: other characters become '?' (the other formats keep them)."""
    copy = table.copy(copy_data=False)
    for name in copy.colnames:
        column = copy[name]
        if column.dtype.kind == "U":
            copy[name] = [value.encode("ascii", "replace").decode("ascii") for value in column]
            copy[name].unit, copy[name].description = column.unit, column.description
    return copy


def table_write(table: Table, path: Path, file_format: str) -> None:
    from astropy.io.fits.verify import VerifyWarning
    from astropy.io.votable import from_table, writeto
    from astropy.io.votable.tree import Info

    if file_format == "fits":
        with warnings.catch_warnings():
            # Long metadata keys become HIERARCH cards, which is what we want; no need to warn.
            warnings.simplefilter("ignore", VerifyWarning)
            _ascii_only(table).write(path, format="fits", overwrite=True)
        return
    if file_format == "votable":
        # astropy's Table.write drops `meta` for VOTable; INFO elements carry it (TOPCAT shows them), on the
        # RESOURCE and on the TABLE. astropy's Table.read shows only the TABLE's name and description, so those
        # carry it too: the kind of export as the name, every key=value in the description.
        votable = from_table(table)
        element = votable.resources[0].tables[0]
        for key, value in table.meta.items():
            votable.resources[0].infos.append(Info(name=key, value=str(value)))
            element.infos.append(Info(name=key, value=str(value)))
        element.name = f"cluster_hunt_{table.meta.get('kind', 'table')}"
        element.description = "; ".join(f"{key}={value}" for key, value in table.meta.items())
        writeto(votable, str(path))
        return
    table.write(path, format=ASTROPY_FORMATS[file_format], overwrite=True)
