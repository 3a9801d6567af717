"""Reference cluster catalogues: reading published tables and cross-matching candidates.

Pure Python on numpy and astropy, no Django: the ``hunt`` app stores what this returns.
"""

from ml.catalogues.crossmatch import (
    DEFAULT_RADIUS_ARCSEC,
    MatchResult,
    crossmatch,
    crossmatch_arrays,
)
from ml.catalogues.files import DEFAULT_MAX_BYTES
from ml.catalogues.model import (
    CANONICAL_FIELDS,
    Catalogue,
    CatalogueEntry,
    CatalogueError,
    CatalogueRows,
)
from ml.catalogues.presets import PRESETS, Preset, SampleFilter
from ml.catalogues.reader import read_catalogue

__all__ = [
    "CANONICAL_FIELDS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RADIUS_ARCSEC",
    "PRESETS",
    "Catalogue",
    "CatalogueEntry",
    "CatalogueError",
    "CatalogueRows",
    "MatchResult",
    "Preset",
    "SampleFilter",
    "crossmatch",
    "crossmatch_arrays",
    "read_catalogue",
]
