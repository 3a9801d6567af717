"""Column presets for the published cluster catalogues the platform evaluates against.

Each canonical field lists candidate column names; the first one present in the file wins
(exact spelling first, then case-insensitively). VizieR relabels columns between its own
services (``RAJ2000`` in one export, ``_RA`` or ``RAdeg`` in another), so the lists are
deliberately generous. See docs/catalogues.md for where each name comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ml.catalogues.model import CANONICAL_FIELDS


@dataclass(frozen=True)
class SampleFilter:
    """A published sub-sample defined by one column taking one value (kept rows only)."""

    column: str
    equals: int | str
    description: str


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    citation: str
    candidates: Mapping[str, tuple[str, ...]]
    required: frozenset[str]
    # Used when no class column is mapped: catalogues of confirmed clusters carry no class.
    default_class: str = ""
    # Numeric values meaning "no measurement" in this catalogue (eFEDS writes -1).
    missing_values: tuple[float, ...] = ()
    sample_filter: SampleFilter | None = None
    # A starting point for the cross-match radius, set by the positional accuracy of the
    # instrument behind the catalogue; the caller always passes the radius explicitly.
    suggested_radius_arcsec: float = 30.0
    notes: str = ""


def _frozen(candidates: dict[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    unknown = set(candidates) - set(CANONICAL_FIELDS)
    if unknown:
        raise ValueError(f"unknown canonical fields in preset: {sorted(unknown)}")
    return MappingProxyType(candidates)


_CORE = frozenset({"source_id", "ra", "dec"})

XCLASS = Preset(
    key="xclass",
    title="X-CLASS (Koulouridis et al. 2021)",
    citation="Koulouridis E. et al. 2021, A&A 652, A12; VizieR J/A+A/652/A12",
    candidates=_frozen(
        {
            "source_id": ("XClass", "XCLASS", "XCLASS_ID", "ID", "Seq", "Source"),
            "ra": ("RAdeg", "RAJ2000", "_RAJ2000", "_RA", "RA", "RA_deg"),
            "dec": ("DEdeg", "DEJ2000", "_DEJ2000", "_DE", "DEC", "DE", "Dec_deg"),
            "redshift": ("z", "zspec", "Redshift"),
            "cluster_class": ("Class", "C", "Cl", "XClass_class"),
            "name": ("Name", "XName"),
        }
    ),
    # The class is what separates C1 from C2 in every evaluation; a file without it is not
    # the X-CLASS table, so refuse it rather than silently treating every row as unclassed.
    required=_CORE | {"cluster_class"},
    suggested_radius_arcsec=30.0,
    notes="VizieR labels not verified offline; aliases cover the usual VizieR spellings.",
)

MCXC = Preset(
    key="mcxc",
    title="MCXC meta-catalogue (Piffaretti et al. 2011)",
    citation="Piffaretti R. et al. 2011, A&A 534, A109; VizieR J/A+A/534/A109",
    candidates=_frozen(
        {
            "source_id": ("MCXC",),
            "ra": ("RAdeg", "RAJ2000", "_RA"),
            "dec": ("DEdeg", "DEJ2000", "_DE"),
            "redshift": ("z",),
            "name": ("OName",),
        }
    ),
    required=_CORE | {"redshift"},
    default_class="C1",
    # ROSAT-based positions: the survey PSF is arcminute-scale, far coarser than XMM's.
    suggested_radius_arcsec=90.0,
    notes="Every MCXC entry is a confirmed cluster with a redshift, so all rows are C1.",
)

XXL100 = Preset(
    key="xxl100",
    title="XXL-100-GC (Pacaud et al. 2016)",
    citation="Pacaud F. et al. 2016, A&A 592, A2; Giles P. et al. 2016, A&A 592, A3",
    candidates=_frozen(
        {
            "source_id": ("XLSSC",),
            "ra": ("ra", "RAdeg", "RAJ2000"),
            "dec": ("dec", "DEdeg", "DEJ2000"),
            "redshift": ("z",),
            "name": ("name",),
        }
    ),
    required=_CORE | {"redshift"},
    default_class="C1",
    sample_filter=SampleFilter(
        column="Flag",
        equals=0,
        description="Flag == 0: the 100 brightest XXL clusters of the published sample",
    ),
    suggested_radius_arcsec=30.0,
    notes="The XXL-100-GC sample is made of spectroscopically confirmed C1 clusters.",
)

EFEDS = Preset(
    key="efeds",
    title="eFEDS X-ray cluster candidates (Liu et al. 2022)",
    citation="Liu A. et al. 2022, A&A 661, A2; Bahar Y. E. et al. 2022, A&A 661, A7",
    candidates=_frozen(
        {
            "source_id": ("ID", "ID_SRC"),
            "ra": ("RA", "RA_CORR", "RAdeg"),
            "dec": ("DEC", "DEC_CORR", "DEdeg"),
            "redshift": ("z", "REDSHIFT"),
        }
    ),
    required=_CORE | {"redshift"},
    # Candidates, not confirmed clusters: no C1/C2 grading exists for them.
    default_class="",
    missing_values=(-1.0,),
    # eROSITA's survey-mode PSF (about 26" half-energy width) is broader than XMM's.
    suggested_radius_arcsec=60.0,
    notes="-1 marks a missing value in every numeric column; it is read as missing.",
)

CUSTOM = Preset(
    key="custom",
    title="Custom table (caller maps the columns)",
    citation="",
    candidates=_frozen({}),
    required=_CORE,
)

PRESETS: Mapping[str, Preset] = MappingProxyType(
    {preset.key: preset for preset in (XCLASS, MCXC, XXL100, EFEDS, CUSTOM)}
)
