"""The sky split: whole regions, a guard band round the test regions, repeats kept together, shares honoured."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from hypothesis import given
from hypothesis import strategies as st

from ml import splits
from ml.splits import (
    GUARD,
    GUARD_ARCMIN,
    REPEAT_RADIUS_ARCSEC,
    TEST,
    assign_splits,
    cell_split,
    key_split,
    position_split,
    sky_cell,
)

A907_SOURCES = Path(__file__).resolve().parents[2] / "data" / "xmm" / "a907" / "sources.csv"
# The widest cutout the product serves: 128 px of 4.35" (the XCS Abell 907 images) is 9.3'.
WIDEST_CUTOUT_ARCMIN = 9.3


def _sky(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 360, n), np.degrees(np.arcsin(rng.uniform(-0.95, 0.95, n)))


def test_the_split_unit_is_more_than_twice_the_widest_cutout_and_the_guard_wider_than_it() -> None:
    assert splits.CELL_DEG * 60 >= 2 * WIDEST_CUTOUT_ARCMIN
    assert GUARD_ARCMIN > WIDEST_CUTOUT_ARCMIN


def test_no_test_subject_shares_pixels_with_a_training_or_validation_one() -> None:
    # Dense enough that many pairs straddle region boundaries.
    ra, dec = _sky(4000, seed=1)
    ra = 150 + (ra - 180) / 30  # a 12 x 12 degree patch: 4000 subjects, ~28 per square degree
    dec = dec / 8
    assigned = assign_splits(list(ra), list(dec), [""] * ra.size)
    coords = SkyCoord(ra * u.deg, dec * u.deg)
    test = np.asarray([s == TEST for s in assigned])
    other = np.asarray([s in ("train", "validation") for s in assigned])
    assert test.sum() > 50
    assert other.sum() > 500
    _, sep, _ = coords[test].match_to_catalog_sky(coords[other])
    # Two cutouts of the widest size overlap only if their centres are closer than one cutout width.
    assert sep.to_value(u.arcmin).min() > WIDEST_CUTOUT_ARCMIN


def test_guard_subjects_are_the_test_side_of_a_boundary() -> None:
    ra, dec = _sky(20000, seed=2)
    for r, d in zip(ra[:3000], dec[:3000], strict=True):
        split = position_split(float(r), float(d))
        if split == GUARD:
            assert cell_split(*sky_cell(float(r), float(d))) == TEST


def test_the_real_abell_907_repeat_observations_share_a_split() -> None:
    with A907_SOURCES.open() as handle:
        rows = list(csv.DictReader(handle))
    ra = [float(r["ra_deg"]) for r in rows]
    dec = [float(r["dec_deg"]) for r in rows]
    assigned = assign_splits(ra, dec, [f"{r['obs_id']}:{i}" for i, r in enumerate(rows)])
    coords = SkyCoord(np.asarray(ra) * u.deg, np.asarray(dec) * u.deg)
    first, second, _, _ = coords.search_around_sky(coords, REPEAT_RADIUS_ARCSEC * u.arcsec)
    pairs = [(a, b) for a, b in zip(first, second, strict=True) if a < b]
    observations = {(rows[a]["obs_id"], rows[b]["obs_id"]) for a, b in pairs}
    assert any(o1 != o2 for o1, o2 in observations)  # the data really holds repeats
    assert all(assigned[a] == assigned[b] for a, b in pairs)


def test_a_repeat_straddling_a_region_boundary_takes_its_first_members_split() -> None:
    # Find a boundary between a test cell and another split, then put two detections 3" apart across it.
    row = 100
    dec = -90.0 + (row + 0.5) * splits.CELL_DEG
    step = splits.CELL_DEG / math.cos(math.radians(dec))
    column = next(
        c for c in range(1, 300) if cell_split(row, c) == TEST and cell_split(row, c - 1) != TEST
    )
    boundary_ra = column * step
    offset = 1.5 / 3600 / math.cos(math.radians(dec))
    inside, outside = boundary_ra + offset, boundary_ra - offset
    assert cell_split(*sky_cell(inside, dec)) != cell_split(*sky_cell(outside, dec))

    for order in ((outside, inside), (inside, outside)):
        assigned = assign_splits(list(order), [dec, dec], ["a", "b"])
        assert assigned[0] == assigned[1]


def test_a_new_subject_repeating_a_stored_one_takes_the_stored_split() -> None:
    assigned = assign_splits(
        [10.0 + 2 / 3600, 50.0],
        [5.0, 5.0],
        ["new", "far"],
        existing_ra=[10.0],
        existing_dec=[5.0],
        existing_split=["validation"],
    )
    assert assigned[0] == "validation"


def test_shares_over_many_regions() -> None:
    ra, dec = _sky(20000, seed=3)
    assigned = assign_splits(list(ra), list(dec), [""] * ra.size)
    share = {name: assigned.count(name) / len(assigned) for name in splits.SPLITS}
    assert share["test"] + share["guard"] == pytest.approx(splits.TEST_SHARE, abs=0.03)
    assert share["validation"] == pytest.approx(splits.VALIDATION_SHARE, abs=0.03)
    assert share["train"] == pytest.approx(
        1 - splits.TEST_SHARE - splits.VALIDATION_SHARE, abs=0.03
    )
    assert share["test"] > 0.4 * splits.TEST_SHARE


def test_subjects_without_a_position_split_by_their_key() -> None:
    assigned = assign_splits([None, None], [None, None], ["set:img001", "set:img001"])
    assert assigned[0] == assigned[1] == key_split("set:img001")
    keys = [key_split(f"img{i}") for i in range(3000)]
    assert 0.2 < keys.count(TEST) / 3000 < 0.3
    assert GUARD not in keys


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError, match="length"):
        assign_splits([1.0], [1.0, 2.0], ["a"])


@given(st.floats(0, 359.999), st.floats(-89.9, 89.9))
def test_cells_wrap_in_ra_and_are_stable(ra: float, dec: float) -> None:
    assert sky_cell(ra, dec) == sky_cell(ra + 360.0, dec)
    assert position_split(ra, dec) == position_split(ra + 360.0, dec)


def test_repeat_group_ids_label_a_group_by_its_lowest_id_and_leave_singletons_alone() -> None:
    from ml.splits import repeat_group_ids, separation_arcsec

    ids = [30, 10, 20, 40]
    ra = [5.0, 5.0 + 5 / 3600, 90.0, 5.0 + 9 / 3600]
    dec = [0.0, 0.0, 0.0, 0.0]
    assert repeat_group_ids(ids, ra, dec) == [10, 10, None, 10]
    assert separation_arcsec(5.0, 0.0, 5.0 + 5 / 3600, 0.0) == pytest.approx(5.0, rel=1e-6)
    assert separation_arcsec(0.0, 60.0, 0.0, 60.0 + 1 / 3600) == pytest.approx(1.0, rel=1e-6)
