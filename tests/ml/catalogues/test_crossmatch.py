"""Cross-matching candidates to a catalogue, against answers worked out by hand."""

import math

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.catalogues import DEFAULT_RADIUS_ARCSEC, crossmatch, crossmatch_arrays, read_catalogue
from tests.ml.catalogues.tables import xclass_table

ARCSEC = 1 / 3600


def offset(ra: float, dec: float, position_angle_deg: float, arcsec: float) -> tuple[float, float]:
    moved = SkyCoord(ra * u.deg, dec * u.deg).directional_offset_by(
        position_angle_deg * u.deg, arcsec * u.arcsec
    )
    return float(moved.ra.deg), float(moved.dec.deg)


def test_candidate_10_arcsec_north_matches_at_10_arcsec():
    result = crossmatch_arrays([150.0], [2.0 + 10 * ARCSEC], [149.0, 150.0], [2.0, 2.0])

    assert result.index.tolist() == [1]
    assert result.method.tolist() == ["sky"]
    assert result.separation_arcsec[0] == pytest.approx(10.0, abs=1e-6)


def test_candidate_just_outside_the_radius_stays_unmatched():
    radius = 20.0
    inside = 2.0 + (radius - 0.5) * ARCSEC
    outside = 2.0 + (radius + 0.5) * ARCSEC

    result = crossmatch_arrays(
        [150.0, 150.0], [inside, outside], [150.0], [2.0], radius_arcsec=radius
    )

    assert result.index.tolist() == [0, -1]
    assert result.method.tolist() == ["sky", "none"]
    assert result.separation_arcsec[0] == pytest.approx(radius - 0.5, abs=1e-6)
    assert math.isnan(result.separation_arcsec[1])


def test_nearest_of_two_catalogue_entries_is_chosen():
    # Entries 12" west and 8" east of the candidate on the equator: the east one is nearer.
    cat_ra = [10.0 - 12 * ARCSEC, 10.0 + 8 * ARCSEC]

    result = crossmatch_arrays([10.0], [0.0], cat_ra, [0.0, 0.0], radius_arcsec=30)

    assert result.index.tolist() == [1]
    assert result.separation_arcsec[0] == pytest.approx(8.0, abs=1e-6)


def test_ra_wrap_around_is_matched_across_zero():
    # 0.001 deg either side of RA 0 at Dec 10: 0.002 deg * cos(10 deg) apart on the sky.
    expected = 0.002 * math.cos(math.radians(10.0)) * 3600

    result = crossmatch_arrays([0.001], [10.0], [359.999, 180.0], [10.0, 10.0])

    assert result.index.tolist() == [0]
    assert result.separation_arcsec[0] == pytest.approx(expected, rel=1e-6)


def test_id_join_wins_over_a_nearer_sky_neighbour():
    # The candidate sits on entry "b" but carries entry "a"'s id, 50" away: the id decides.
    result = crossmatch_arrays(
        [20.0, 20.0],
        [5.0, 5.0],
        [20.0, 20.0],
        [5.0 + 50 * ARCSEC, 5.0],
        candidate_catalogue_ids=["a", None],
        catalogue_ids=["a", "b"],
    )

    assert result.index.tolist() == [0, 1]
    assert result.method.tolist() == ["id", "sky"]
    assert result.separation_arcsec[0] == pytest.approx(50.0, abs=1e-6)


def test_unknown_catalogue_id_falls_back_to_the_sky():
    result = crossmatch_arrays(
        [20.0],
        [5.0],
        [20.0],
        [5.0 + 3 * ARCSEC],
        candidate_catalogue_ids=["not-in-catalogue"],
        catalogue_ids=["a"],
    )
    assert result.method.tolist() == ["sky"]
    assert result.index.tolist() == [0]


def test_class_filter_excludes_c2_entries_from_reader_output(write_table):
    catalogue = read_catalogue(write_table(xclass_table(), "csv"), preset="xclass")
    # Candidates 5" from row 1 (C1), row 2 (C2) and row 3 ("c1 " -> C1).
    rows = catalogue.rows
    positions = [offset(rows.ra[i], rows.dec[i], 45.0, 5.0) for i in (0, 1, 2)]
    ra, dec = zip(*positions, strict=True)

    everything = crossmatch(ra, dec, catalogue)
    c1_only = crossmatch(ra, dec, catalogue, class_filter={"C1"})
    both = crossmatch(ra, dec, catalogue, class_filter={"c1", "C2"})

    assert everything.index.tolist() == [0, 1, 2]
    assert c1_only.index.tolist() == [0, -1, 2]
    assert c1_only.method.tolist() == ["sky", "none", "sky"]
    assert both.index.tolist() == [0, 1, 2]


def test_id_of_a_filtered_out_entry_does_not_fall_back_to_a_neighbour():
    # The candidate is known to be C2 cluster "b"; a C1 cluster 5" away must not claim it.
    result = crossmatch_arrays(
        [30.0],
        [-10.0],
        [30.0, 30.0],
        [-10.0 + 5 * ARCSEC, -10.0],
        candidate_catalogue_ids=["b"],
        catalogue_ids=["a", "b"],
        catalogue_classes=["C1", "C2"],
        class_filter={"C1"},
    )
    assert result.index.tolist() == [-1]
    assert result.method.tolist() == ["none"]


def test_empty_inputs_give_empty_or_unmatched_results():
    none = crossmatch_arrays([], [], [1.0], [1.0])
    assert len(none) == 0
    assert none.index.dtype == np.int64

    no_catalogue = crossmatch_arrays([1.0, 2.0], [1.0, 2.0], [], [])
    assert no_catalogue.index.tolist() == [-1, -1]
    assert no_catalogue.method.tolist() == ["none", "none"]

    all_filtered = crossmatch_arrays(
        [1.0], [1.0], [1.0], [1.0], catalogue_classes=["C2"], class_filter={"C1"}
    )
    assert all_filtered.index.tolist() == [-1]


@pytest.mark.parametrize(
    ("ra", "dec", "radius", "message"),
    [
        ([360.0], [0.0], 30.0, "candidate 0"),
        ([1.0, float("nan")], [0.0, 0.0], 30.0, "candidate 1"),
        ([1.0], [0.0, 1.0], 30.0, "1-D arrays of one length"),
        ([1.0], [0.0], 0.0, "radius_arcsec must be a positive number"),
    ],
)
def test_invalid_inputs_are_refused(ra, dec, radius, message):
    with pytest.raises(ValueError, match=message):
        crossmatch_arrays(ra, dec, [1.0], [0.0], radius_arcsec=radius)


def test_class_filter_without_classes_is_refused():
    with pytest.raises(ValueError, match=r"class_filter needs catalogue_classes"):
        crossmatch_arrays([1.0], [0.0], [1.0], [0.0], class_filter={"C1"})


def test_default_radius_is_thirty_arcsec():
    assert DEFAULT_RADIUS_ARCSEC == 30.0
    result = crossmatch_arrays([0.0, 0.0], [29.9 * ARCSEC, 30.1 * ARCSEC], [0.0], [0.0])
    assert result.method.tolist() == ["sky", "none"]


def test_100k_candidates_against_2k_entries_find_each_entry_once():
    rng = np.random.default_rng(7)
    cat_ra = rng.uniform(0, 360, 2000)
    cat_dec = np.degrees(np.arcsin(rng.uniform(-1, 1, 2000)))
    # One candidate 5" from every entry, in shuffled order; the other 98,000 are random.
    n = 100_000
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    planted = rng.choice(n, 2000, replace=False)
    moved = SkyCoord(cat_ra * u.deg, cat_dec * u.deg).directional_offset_by(
        90 * u.deg, 5 * u.arcsec
    )
    ra[planted], dec[planted] = moved.ra.deg, moved.dec.deg

    result = crossmatch_arrays(ra, dec, cat_ra, cat_dec)

    assert (result.index[planted] == np.arange(2000)).all()
    np.testing.assert_allclose(result.separation_arcsec[planted], 5.0, atol=1e-5)
    matched = result.index[result.index >= 0]
    assert matched.size == np.unique(matched).size  # one to one


def test_decoys_6_to_30_arcsec_from_1028_clusters_give_exactly_1028_matches():
    # The audit's case: every cluster has its candidate within 5" and a decoy (a point source, a second
    # detection) 6-30" away. Nearest-within-radius made 1,054 positives of 1,028 clusters.
    rng = np.random.default_rng(11)
    n = 1028
    cat_ra = rng.uniform(10, 50, n)
    cat_dec = rng.uniform(-20, 20, n)
    clusters = SkyCoord(cat_ra * u.deg, cat_dec * u.deg)
    true = clusters.directional_offset_by(
        rng.uniform(0, 360, n) * u.deg, rng.uniform(0, 5, n) * u.arcsec
    )
    decoy = clusters.directional_offset_by(
        rng.uniform(0, 360, n) * u.deg, rng.uniform(6, 30, n) * u.arcsec
    )
    order = rng.permutation(2 * n)
    ra = np.concatenate([true.ra.deg, decoy.ra.deg])[order]
    dec = np.concatenate([true.dec.deg, decoy.dec.deg])[order]
    is_true = np.concatenate([np.ones(n, bool), np.zeros(n, bool)])[order]

    result = crossmatch_arrays(ra, dec, cat_ra, cat_dec, radius_arcsec=30)

    assert result.matched.sum() == n
    assert result.matched[is_true].all()
    assert not result.matched[~is_true].any()
    assert result.contested[~is_true].all()  # each decoy was within 30" of a taken cluster
    assert not result.contested[is_true].any()


def test_a_candidate_near_two_entries_takes_the_nearer_and_leaves_the_other_to_its_own():
    # Entries A (x = 0) and B (x = 20"); candidate 1 at 12" (A: 12, B: 8), candidate 2 at 26" (B: 6).
    cat_ra = [0.0, 20 * ARCSEC]
    result = crossmatch_arrays([12 * ARCSEC, 26 * ARCSEC], [0.0, 0.0], cat_ra, [0.0, 0.0])
    # Closest pair first: (2, B) at 6", then candidate 1 takes A at 12".
    assert result.index.tolist() == [0, 1]


def test_an_entry_joined_by_id_is_not_matched_again_on_the_sky():
    result = crossmatch_arrays(
        [20.0, 20.0],
        [5.0, 5.0 + 3 * ARCSEC],
        [20.0],
        [5.0],
        candidate_catalogue_ids=["a", None],
        catalogue_ids=["a"],
    )
    assert result.index.tolist() == [0, -1]
    assert result.method.tolist() == ["id", "none"]


@settings(max_examples=60, deadline=None)
@given(
    ra=st.floats(0.0, 359.999),
    dec=st.floats(-89.9, 89.9),
    position_angle=st.floats(0.0, 360.0),
    shift=st.floats(0.0, 60.0),
)
def test_shifted_catalogue_matches_with_the_shift_as_separation(ra, dec, position_angle, shift):
    radius = 30.0
    # A decoy 10' away on the opposite side makes "nearest" a real choice.
    decoy = offset(ra, dec, position_angle + 180.0, 600.0)
    candidate = offset(ra, dec, position_angle, shift)
    if abs(shift - radius) < 1e-6:
        return

    result = crossmatch_arrays(
        [candidate[0]], [candidate[1]], [ra, decoy[0]], [dec, decoy[1]], radius_arcsec=radius
    )

    if shift <= radius:
        assert result.index.tolist() == [0]
        assert result.separation_arcsec[0] == pytest.approx(shift, abs=1e-5)
    else:
        assert result.index.tolist() == [-1]
