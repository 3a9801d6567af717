"""Train / validation / test by sky region, with a guard band and repeat observations kept together.

The rule (docs/metrics.md, "Splits"):

* The sky is cut into cells of ``CELL_DEG`` (1 degree): rows of constant declination, RA steps widened by
  1/cos(dec). A cell's hash, not its position, picks its split, so every part of the sky feeds every split.
  A cell is more than six times the widest cutout we serve (9.3' for the XCS Abell 907 fields), so most of
  a cell's subjects see nothing of another cell.
* **Guard band.** A subject of a test cell that lies within ``GUARD_ARCMIN`` (10', wider than any cutout) of a
  cell of another split is ``guard``: neither trained on nor reported on the test split. So no test cutout
  shares a pixel with a training or validation cutout. Only the test side is guarded: training keeps all
  its data, and only the locked test split, the one a referee reads, has to be leak-free.
* **Repeat observations.** Subjects within ``REPEAT_RADIUS_ARCSEC`` (10") of each other are one source seen
  more than once (Abell 907 was observed three times, 2-4" apart): the whole group takes the split of its
  first member, so a repeat can never straddle two splits, whatever cell boundary runs between them.
* Subjects without a position (image sets without coordinates) split by a hash of their key, without a guard.

The split is computed once, at ingestion, and stored with the subject; everything else reads the stored value.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

TRAIN, VALIDATION, TEST, GUARD = "train", "validation", "test", "guard"
SPLITS = (TRAIN, VALIDATION, TEST, GUARD)
# Bumped whenever the rule changes; stored with snapshots and evaluation runs.
SPLIT_RULE = "sky-cells-1deg-guard10arcmin-v2"

CELL_DEG = 1.0
GUARD_ARCMIN = 10.0
REPEAT_RADIUS_ARCSEC = 10.0
TEST_SHARE = 0.25
VALIDATION_SHARE = 0.15
# Directions sampled on the guard circle: a boundary closer than 0.995 * GUARD_ARCMIN is always crossed.
_GUARD_DIRECTIONS = 32


def sky_cell(ra: float, dec: float, *, cell_deg: float = CELL_DEG) -> tuple[int, int]:
    """An equal-area-ish cell: rows of constant declination, RA steps widened by 1/cos(dec)."""
    row = min(math.floor((dec + 90.0) / cell_deg), math.ceil(180.0 / cell_deg) - 1)
    centre_dec = -90.0 + (row + 0.5) * cell_deg
    ra_step = cell_deg / max(math.cos(math.radians(centre_dec)), 1e-3)
    return row, math.floor((ra % 360.0) / ra_step)


def _unit(text: str) -> float:
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _from_unit(value: float) -> str:
    if value < TEST_SHARE:
        return TEST
    if value < TEST_SHARE + VALIDATION_SHARE:
        return VALIDATION
    return TRAIN


@lru_cache(maxsize=65536)
def cell_split(row: int, column: int) -> str:
    """The split of one sky cell (train, validation or test)."""
    return _from_unit(_unit(f"cell:{row}:{column}"))


def key_split(key: str) -> str:
    """The split of a subject without a position, from a stable key (set and external id)."""
    return _from_unit(_unit(f"key:{key}"))


def _offset(ra: float, dec: float, arcmin: float, angle: float) -> tuple[float, float]:
    """The point `arcmin` from (ra, dec) at position angle `angle` (radians), exactly on the sphere."""
    sep = math.radians(arcmin / 60.0)
    d0, a0 = math.radians(dec), math.radians(ra)
    sin_dec = math.sin(d0) * math.cos(sep) + math.cos(d0) * math.sin(sep) * math.cos(angle)
    new_dec = math.asin(max(-1.0, min(1.0, sin_dec)))
    new_ra = a0 + math.atan2(
        math.sin(angle) * math.sin(sep) * math.cos(d0), math.cos(sep) - math.sin(d0) * sin_dec
    )
    return math.degrees(new_ra) % 360.0, math.degrees(new_dec)


def position_split(ra: float, dec: float) -> str:
    """train, validation, test or guard for one position (no repeat grouping: see `assign_splits`)."""
    own = cell_split(*sky_cell(ra, dec))
    if own != TEST:
        return own
    for k in range(_GUARD_DIRECTIONS):
        angle = 2.0 * math.pi * k / _GUARD_DIRECTIONS
        if cell_split(*sky_cell(*_offset(ra, dec, GUARD_ARCMIN, angle))) != TEST:
            return GUARD
    return TEST


def assign_splits(
    ra: Sequence[float | None],
    dec: Sequence[float | None],
    keys: Sequence[str],
    *,
    existing_ra: Sequence[float] = (),
    existing_dec: Sequence[float] = (),
    existing_split: Sequence[str] = (),
) -> list[str]:
    """Splits for new subjects, given those already stored (a repeat of a stored source takes its split).

    New subjects are grouped friends-of-friends within REPEAT_RADIUS_ARCSEC (with each other and with the
    stored ones); a group that touches a stored subject takes the stored split, otherwise the split of its
    first member's position.
    """
    n = len(keys)
    if not (len(ra) == len(dec) == n):
        raise ValueError(f"ra, dec and keys differ in length: {len(ra)}, {len(dec)}, {n}")
    if not (len(existing_ra) == len(existing_dec) == len(existing_split)):
        raise ValueError("existing_ra, existing_dec and existing_split differ in length")
    out = [""] * n
    positioned = [i for i in range(n) if ra[i] is not None and dec[i] is not None]
    placed = set(positioned)
    for i in range(n):
        if i not in placed:
            out[i] = key_split(keys[i])
    if not positioned:
        return out
    m = len(existing_split)
    all_ra = np.asarray([*existing_ra, *(ra[i] for i in positioned)], dtype=np.float64)
    all_dec = np.asarray([*existing_dec, *(dec[i] for i in positioned)], dtype=np.float64)
    roots = repeat_groups(all_ra, all_dec)
    group_split: dict[int, str] = {}
    for k, i in enumerate(positioned):
        r = int(roots[m + k])
        if r not in group_split:
            group_split[r] = (
                existing_split[r] if r < m else position_split(float(all_ra[r]), float(all_dec[r]))
            )
        out[i] = group_split[r]
    return out


def repeat_groups(
    ra: npt.ArrayLike, dec: npt.ArrayLike, *, radius_arcsec: float = REPEAT_RADIUS_ARCSEC
) -> npt.NDArray[np.int64]:
    """Per position, the index of the first position of its repeat group (friends-of-friends within
    `radius_arcsec`): one source observed several times shares one group."""
    # Imported here: Django's models import this module for SPLITS, and web processes need no astropy.
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    ra_arr, dec_arr = np.asarray(ra, dtype=np.float64), np.asarray(dec, dtype=np.float64)
    n = ra_arr.size
    parent = np.arange(n, dtype=np.int64)
    if n == 0:
        return parent

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    coords = SkyCoord(ra=ra_arr * u.deg, dec=dec_arr * u.deg)
    first, second, _, _ = coords.search_around_sky(coords, radius_arcsec * u.arcsec)
    # Union-find over the pairs; the root is the lowest index, so the first member roots its group.
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        ra_, rb = root(a), root(b)
        if ra_ != rb:
            parent[max(ra_, rb)] = min(ra_, rb)
    return np.asarray([root(i) for i in range(n)], dtype=np.int64)


def repeat_group_ids(
    ids: Sequence[int],
    ra: npt.ArrayLike,
    dec: npt.ArrayLike,
    *,
    radius_arcsec: float = REPEAT_RADIUS_ARCSEC,
) -> list[int | None]:
    """Per position, the lowest of `ids` in its repeat group (`repeat_groups`), or None when it has no repeat.

    The label depends only on the group's members, so it is stable when later observations join a group
    (its oldest member keeps the lowest id) and two groups that a new observation bridges become one.
    """
    roots = repeat_groups(ra, dec, radius_arcsec=radius_arcsec)
    members: dict[int, list[int]] = {}
    for index, root in enumerate(roots.tolist()):
        members.setdefault(int(root), []).append(int(ids[index]))
    label = {root: min(group) if len(group) > 1 else None for root, group in members.items()}
    return [label[int(root)] for root in roots.tolist()]


def separation_arcsec(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Angular distance between two positions in degrees, in arcseconds (haversine: exact at small angles)."""
    phi1, phi2 = math.radians(dec1), math.radians(dec2)
    half = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(ra2 - ra1) / 2) ** 2
    )
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(half)))) * 3600.0
