"""The sky-region split is deterministic, keeps repeated observations together and honours the shares."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml.splits import sky_cell, sky_split


def test_repeated_observations_of_one_object_share_a_split() -> None:
    # Abell 907's three XMM observations put the cluster within a few arcseconds of each other.
    positions = [(149.59163, -11.06424), (149.59199, -11.06339), (149.59182, -11.06379)]
    splits = {sky_split(ra, dec, fallback_key="x") for ra, dec in positions}
    assert len(splits) == 1


def test_shares_are_honoured_over_many_cells() -> None:
    rng = np.random.default_rng(0)
    ras = rng.uniform(0, 360, 20000)
    decs = np.degrees(np.arcsin(rng.uniform(-1, 1, 20000)))
    splits = [sky_split(ra, dec, fallback_key="") for ra, dec in zip(ras, decs, strict=True)]
    assert splits.count("heldout") / len(splits) == pytest.approx(0.2, abs=0.02)
    assert splits.count("validation") / len(splits) == pytest.approx(0.1, abs=0.02)


def test_subjects_without_a_position_split_by_their_key() -> None:
    assert sky_split(None, None, fallback_key="img001") == sky_split(
        None, None, fallback_key="img001"
    )
    keys = [sky_split(None, None, fallback_key=f"img{i}") for i in range(3000)]
    assert 0.15 < keys.count("heldout") / 3000 < 0.25


def test_bad_shares_are_refused() -> None:
    with pytest.raises(ValueError, match="shares"):
        sky_split(1.0, 1.0, fallback_key="", heldout_share=0.6, validation_share=0.5)


@given(st.floats(0, 359.999), st.floats(-89.9, 89.9))
def test_cells_wrap_in_ra_and_are_stable(ra: float, dec: float) -> None:
    assert sky_cell(ra, dec) == sky_cell(ra + 360.0, dec)
