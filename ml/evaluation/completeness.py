"""Completeness against a catalogue: of its clusters inside the surveyed footprint, how many were found.

TPR over candidates says how well the candidates that exist are scored; it cannot see a catalogue cluster that
never became a candidate. Completeness counts those as misses. The footprint is where the scope's candidates
are: a catalogue entry lies inside it when it is within ``footprint_arcmin`` (an XMM-Newton field-of-view
radius, 15') of one of them. Entries matched by a candidate outside the scope (another split) are neither
found nor missed here: they belong to the other scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from ml.metrics import wilson_interval

FOOTPRINT_ARCMIN = 15.0


def entries_in_footprint(
    entry_ra: npt.ArrayLike,
    entry_dec: npt.ArrayLike,
    scope_ra: npt.ArrayLike,
    scope_dec: npt.ArrayLike,
    *,
    footprint_arcmin: float = FOOTPRINT_ARCMIN,
) -> npt.NDArray[np.bool_]:
    """Per entry: within `footprint_arcmin` of at least one scope position."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    e_ra, e_dec = np.asarray(entry_ra, float), np.asarray(entry_dec, float)
    s_ra, s_dec = np.asarray(scope_ra, float), np.asarray(scope_dec, float)
    inside = np.zeros(e_ra.size, dtype=bool)
    if e_ra.size == 0 or s_ra.size == 0:
        return inside
    entries = SkyCoord(ra=e_ra * u.deg, dec=e_dec * u.deg)
    scope = SkyCoord(ra=s_ra * u.deg, dec=s_dec * u.deg)
    _, sep, _ = entries.match_to_catalog_sky(scope)
    inside[:] = sep.to_value(u.arcmin) <= footprint_arcmin
    return inside


def completeness_report(
    *,
    in_footprint: npt.ArrayLike,
    found_in_scope: npt.ArrayLike,
    found_elsewhere: npt.ArrayLike,
    called: Mapping[str, npt.ArrayLike],
    footprint_arcmin: float = FOOTPRINT_ARCMIN,
) -> dict[str, Any]:
    """Counts and rates over the eligible entries (boolean arrays, one per entry).

    ``called[scorer]`` flags the entries whose matched candidate that scorer calls a cluster at the threshold;
    its completeness is called / entries in the footprint (misses included).
    """
    inside = np.asarray(in_footprint, bool) & ~np.asarray(found_elsewhere, bool)
    found = inside & np.asarray(found_in_scope, bool)
    n = int(inside.sum())

    def rate(k: int) -> dict[str, Any]:
        low, high = wilson_interval(k, n)
        return {
            "count": k,
            "completeness": k / n if n else None,
            "ci": [None, None] if not n else [float(low), float(high)],
        }

    return {
        "footprint_arcmin": footprint_arcmin,
        "in_footprint": n,
        "candidates": rate(int(found.sum())),
        "missed_without_candidate": int((inside & ~found).sum()),
        **{
            name: rate(int((found & np.asarray(flags, bool)).sum()))
            for name, flags in called.items()
        },
    }
