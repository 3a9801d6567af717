"""Data types shared by the catalogue reader and the cross-matcher."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# The fields every preset maps onto. Order matters only for messages.
CANONICAL_FIELDS: tuple[str, ...] = (
    "source_id",
    "ra",
    "dec",
    "redshift",
    "cluster_class",
    "name",
)

JsonScalar = str | int | float | bool | None


class CatalogueError(ValueError):
    """A reference catalogue file that cannot be used as it is.

    The message always names the file, and the row or column when one is at fault, because the
    person reading it is a scientist uploading a table, not a developer reading a traceback.
    """


@dataclass(frozen=True)
class CatalogueEntry:
    """One catalogue row in canonical form, convenient for storing row by row."""

    row_number: int
    source_id: str
    ra: float
    dec: float
    redshift: float | None
    cluster_class: str
    name: str | None
    extras: dict[str, JsonScalar]


@dataclass(frozen=True)
class CatalogueRows:
    """Canonical columns as parallel arrays.

    Arrays rather than one object per row: cross-matching and metrics work on whole columns, and
    a 100k-row catalogue stays a handful of arrays. ``row_number`` is the 1-based data row in
    the file, so it still points at the right line after a sample filter drops rows.
    """

    row_number: npt.NDArray[np.int64]
    source_id: npt.NDArray[np.str_]
    ra: npt.NDArray[np.float64]
    dec: npt.NDArray[np.float64]
    redshift: npt.NDArray[np.float64]  # NaN where the catalogue gives none
    cluster_class: npt.NDArray[np.str_]  # "" where the catalogue gives none
    name: npt.NDArray[np.object_]  # str or None
    extras: tuple[dict[str, JsonScalar], ...]

    def __len__(self) -> int:
        return int(self.ra.shape[0])

    def entry(self, index: int) -> CatalogueEntry:
        z = float(self.redshift[index])
        name = self.name[index]
        return CatalogueEntry(
            row_number=int(self.row_number[index]),
            source_id=str(self.source_id[index]),
            ra=float(self.ra[index]),
            dec=float(self.dec[index]),
            redshift=None if np.isnan(z) else z,
            cluster_class=str(self.cluster_class[index]),
            name=None if name is None else str(name),
            extras=self.extras[index],
        )

    def entries(self) -> Iterator[CatalogueEntry]:
        for index in range(len(self)):
            yield self.entry(index)

    def select(self, mask: npt.NDArray[np.bool_]) -> CatalogueRows:
        """The rows where ``mask`` is true, in their original order."""
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != self.ra.shape:
            raise ValueError(f"mask has shape {mask.shape}, expected {self.ra.shape}")
        kept = np.flatnonzero(mask)
        return CatalogueRows(
            row_number=self.row_number[kept],
            source_id=self.source_id[kept],
            ra=self.ra[kept],
            dec=self.dec[kept],
            redshift=self.redshift[kept],
            cluster_class=self.cluster_class[kept],
            name=self.name[kept],
            extras=tuple(self.extras[i] for i in kept),
        )


@dataclass(frozen=True)
class Catalogue:
    """A reference catalogue read from one file, with what is needed to cite and re-check it."""

    preset: str
    file_name: str
    sha256: str
    file_format: str
    columns: tuple[str, ...]  # every column in the file, in file order
    mapping: Mapping[str, str]  # canonical field -> the file's column that filled it
    file_row_count: int  # rows in the file, before any sample filter
    sample_filter: str | None  # description of the filter applied, if any
    rows: CatalogueRows

    @property
    def row_count(self) -> int:
        return len(self.rows)
