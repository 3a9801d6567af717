"""Match candidate detections to a reference catalogue: by identifier first, then on the sky.

The default radius and the rules below are argued in docs/catalogues.md.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    # astropy.units and astropy.coordinates cost ~1.5 s and ~40 MB at import: loaded on the first
    # match, not when the web process imports the catalogue models for their constants.
    from astropy.coordinates import SkyCoord

from ml.catalogues.model import Catalogue, CatalogueRows

# XMM-Newton's on-axis PSF is ~6" FWHM but a cluster's X-ray centroid is uncertain by 10-20"
# (extended, often disturbed emission, off-axis PSF growth); 30" covers that while the chance
# of a random X-CLASS cluster inside 30" of a given point stays near 1e-3.
DEFAULT_RADIUS_ARCSEC = 30.0

METHOD_ID = "id"
METHOD_SKY = "sky"
METHOD_NONE = "none"

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MatchResult:
    """Per candidate, in input order.

    ``index`` points into the catalogue as given (before any class filter), -1 when unmatched;
    ``separation_arcsec`` is NaN when unmatched; ``method`` is "id", "sky" or "none". The match is
    one-to-one: no two candidates share an entry. ``contested`` flags the unmatched candidates that
    lay within the radius of an eligible entry another candidate took (a duplicate detection, a
    neighbour): they are the conflicts a scientist may want to look at.
    """

    index: npt.NDArray[np.int64]
    separation_arcsec: FloatArray
    method: npt.NDArray[np.str_]
    contested: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.index.shape[0])

    @property
    def matched(self) -> npt.NDArray[np.bool_]:
        return self.index >= 0


def _positions(
    ra: Sequence[float] | FloatArray, dec: Sequence[float] | FloatArray, what: str
) -> tuple[FloatArray, FloatArray]:
    ra_arr = np.asarray(ra, dtype=np.float64)
    dec_arr = np.asarray(dec, dtype=np.float64)
    if ra_arr.ndim != 1 or ra_arr.shape != dec_arr.shape:
        raise ValueError(
            f"{what}: ra and dec must be 1-D arrays of one length, got {ra_arr.shape} and "
            f"{dec_arr.shape}"
        )
    bad = ~(
        np.isfinite(ra_arr)
        & np.isfinite(dec_arr)
        & (ra_arr >= 0.0)
        & (ra_arr < 360.0)
        & (np.abs(dec_arr) <= 90.0)
    )
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{what} {index}: position ({ra_arr[index]!r}, {dec_arr[index]!r}) is not a valid "
            "RA in [0, 360) and Dec in [-90, 90] in degrees"
        )
    return ra_arr, dec_arr


def _sky(ra: FloatArray, dec: FloatArray) -> SkyCoord:
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    return SkyCoord(ra=ra * u.deg, dec=dec * u.deg, frame="icrs")


def crossmatch_arrays(
    candidate_ra: Sequence[float] | FloatArray,
    candidate_dec: Sequence[float] | FloatArray,
    catalogue_ra: Sequence[float] | FloatArray,
    catalogue_dec: Sequence[float] | FloatArray,
    *,
    radius_arcsec: float = DEFAULT_RADIUS_ARCSEC,
    candidate_catalogue_ids: Sequence[str | None] | None = None,
    catalogue_ids: Sequence[str] | npt.NDArray[np.str_] | None = None,
    catalogue_classes: Sequence[str] | npt.NDArray[np.str_] | None = None,
    class_filter: Collection[str] | None = None,
) -> MatchResult:
    """Match candidates and catalogue entries one to one.

    A candidate that carries a catalogue id found in ``catalogue_ids`` is joined on it whatever
    the separation (the id is the stronger evidence; its separation is still reported). If that
    entry is excluded by ``class_filter`` the candidate stays unmatched rather than falling back
    to the sky, because it is known to be that excluded object. The other candidates and the
    entries no id took are then paired on the sky, closest pair first: each entry takes at most
    its nearest free candidate within ``radius_arcsec`` and each candidate at most one entry, so a
    cluster detected twice, or a point source 20" from a cluster, is one positive, not two.
    """
    if not (np.isfinite(radius_arcsec) and radius_arcsec > 0):
        raise ValueError(f"radius_arcsec must be a positive number, got {radius_arcsec!r}")
    cand_ra, cand_dec = _positions(candidate_ra, candidate_dec, "candidate")
    cat_ra, cat_dec = _positions(catalogue_ra, catalogue_dec, "catalogue row")
    n_cand, n_cat = cand_ra.shape[0], cat_ra.shape[0]

    eligible: np.ndarray = np.ones(n_cat, dtype=bool)
    if class_filter is not None:
        if catalogue_classes is None:
            raise ValueError("class_filter needs catalogue_classes")
        classes = np.asarray(catalogue_classes, dtype=np.str_)
        if classes.shape != (n_cat,):
            raise ValueError(f"catalogue_classes has shape {classes.shape}, expected ({n_cat},)")
        # Same spelling rule as the reader: "c1 " and "C1" are one class.
        wanted = sorted({str(c).strip().upper() for c in class_filter})
        eligible = np.isin(np.char.upper(np.char.strip(classes)), wanted)

    index = np.full(n_cand, -1, dtype=np.int64)
    separation = np.full(n_cand, np.nan)
    method = np.full(n_cand, METHOD_NONE, dtype="<U4")
    needs_sky = np.ones(n_cand, dtype=bool)

    if candidate_catalogue_ids is not None:
        if catalogue_ids is None:
            raise ValueError("candidate_catalogue_ids needs catalogue_ids")
        if len(candidate_catalogue_ids) != n_cand:
            raise ValueError(
                f"candidate_catalogue_ids has {len(candidate_catalogue_ids)} entries, "
                f"expected {n_cand}"
            )
        if len(catalogue_ids) != n_cat:
            raise ValueError(f"catalogue_ids has {len(catalogue_ids)} entries, expected {n_cat}")
        position_of = {str(cid).strip(): j for j, cid in enumerate(catalogue_ids)}
        for i, cid in enumerate(candidate_catalogue_ids):
            if cid is None:
                continue
            j = position_of.get(str(cid).strip())
            if j is None:
                continue
            needs_sky[i] = False
            if eligible[j]:
                index[i] = j
                method[i] = METHOD_ID
        joined = np.flatnonzero(index >= 0)
        if joined.size:
            sep = _sky(cand_ra[joined], cand_dec[joined]).separation(
                _sky(cat_ra[index[joined]], cat_dec[index[joined]])
            )
            separation[joined] = sep.arcsec

    taken = np.zeros(n_cat, dtype=bool)
    taken[index[index >= 0]] = True
    sky_candidates = np.flatnonzero(needs_sky)
    sky_catalogue = np.flatnonzero(eligible & ~taken)
    contested = np.zeros(n_cand, dtype=bool)
    if sky_candidates.size and sky_catalogue.size:
        cand_idx, cat_idx, sep2d = _pairs(
            _sky(cand_ra[sky_candidates], cand_dec[sky_candidates]),
            _sky(cat_ra[sky_catalogue], cat_dec[sky_catalogue]),
            radius_arcsec,
        )
        _assign_closest_first(
            sky_candidates[cand_idx], sky_catalogue[cat_idx], sep2d, index, separation, method
        )
        contested[sky_candidates[cand_idx]] = True
        contested &= index < 0

    return MatchResult(
        index=index, separation_arcsec=separation, method=method, contested=contested
    )


def _pairs(
    candidates: SkyCoord, catalogue: SkyCoord, radius_arcsec: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray]:
    """Every (candidate, entry) pair within the radius (inclusive), with its separation in arcsec."""
    from astropy import units as u

    # A hair over the radius for the search, then the exact test, so "<= radius" holds at the edge.
    cand_idx, cat_idx, sep2d, _ = catalogue.search_around_sky(
        candidates, radius_arcsec * (1 + 1e-9) * u.arcsec
    )
    sep = sep2d.to_value(u.arcsec)
    keep = sep <= radius_arcsec
    return (
        np.asarray(cand_idx, dtype=np.int64)[keep],
        np.asarray(cat_idx, dtype=np.int64)[keep],
        np.asarray(sep, dtype=np.float64)[keep],
    )


def _assign_closest_first(
    candidate: npt.NDArray[np.int64],
    entry: npt.NDArray[np.int64],
    sep_arcsec: FloatArray,
    index: npt.NDArray[np.int64],
    separation: FloatArray,
    method: npt.NDArray[np.str_],
) -> None:
    """Greedy one-to-one pairing, closest pair first (ties by candidate, then entry, for determinism)."""
    order = np.lexsort((entry, candidate, sep_arcsec))
    used_entries: set[int] = set()
    for k in order.tolist():
        i, j = int(candidate[k]), int(entry[k])
        if index[i] >= 0 or j in used_entries:
            continue
        index[i], separation[i], method[i] = j, sep_arcsec[k], METHOD_SKY
        used_entries.add(j)


def crossmatch(
    candidate_ra: Sequence[float] | FloatArray,
    candidate_dec: Sequence[float] | FloatArray,
    catalogue: Catalogue | CatalogueRows,
    *,
    radius_arcsec: float = DEFAULT_RADIUS_ARCSEC,
    candidate_catalogue_ids: Sequence[str | None] | None = None,
    class_filter: Collection[str] | None = None,
) -> MatchResult:
    """:func:`crossmatch_arrays` against a catalogue read by :func:`read_catalogue`."""
    rows = catalogue.rows if isinstance(catalogue, Catalogue) else catalogue
    return crossmatch_arrays(
        candidate_ra,
        candidate_dec,
        rows.ra,
        rows.dec,
        radius_arcsec=radius_arcsec,
        candidate_catalogue_ids=candidate_catalogue_ids,
        catalogue_ids=rows.source_id,
        catalogue_classes=rows.cluster_class,
        class_filter=class_filter,
    )
