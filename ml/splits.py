"""Deterministic train/validation/held-out split by sky region.

Subjects are split by the 0.1-degree sky cell they fall in, not one by one: repeated observations of the same
object (Abell 907 was observed three times) and neighbouring candidates then always land in the same split, so
nothing the model trained on leaks into the subjects it is evaluated on. The cell's hash, not its position,
picks the split, so every part of the sky contributes to every split.
"""

from __future__ import annotations

import hashlib
import math

# 0.1 deg = 6 arcmin: wider than any cluster's X-ray extent in the cutouts and than the offsets between
# repeated pointings of one object, yet small enough that a survey field holds many cells.
CELL_DEG = 0.1
SPLITS = ("train", "validation", "heldout")


def sky_cell(ra: float, dec: float, *, cell_deg: float = CELL_DEG) -> tuple[int, int]:
    """An equal-area-ish cell: rows of constant declination, RA steps widened by 1/cos(dec)."""
    row = math.floor((dec + 90.0) / cell_deg)
    centre_dec = -90.0 + (row + 0.5) * cell_deg
    ra_step = cell_deg / max(math.cos(math.radians(centre_dec)), 1e-3)
    return row, math.floor((ra % 360.0) / ra_step)


def _unit(text: str) -> float:
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def sky_split(
    ra: float | None,
    dec: float | None,
    *,
    fallback_key: str,
    heldout_share: float = 0.2,
    validation_share: float = 0.1,
    cell_deg: float = CELL_DEG,
) -> str:
    """'train', 'validation' or 'heldout' for a subject; subjects without a position split by `fallback_key`."""
    if heldout_share < 0 or validation_share < 0 or heldout_share + validation_share >= 1:
        raise ValueError("shares must be non-negative and sum to less than 1")
    if ra is None or dec is None:
        key = fallback_key
    else:
        row, column = sky_cell(ra, dec, cell_deg=cell_deg)
        key = f"cell:{row}:{column}"
    u = _unit(key)
    if u < heldout_share:
        return "heldout"
    if u < heldout_share + validation_share:
        return "validation"
    return "train"
