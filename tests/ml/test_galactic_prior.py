"""The Galactic absorption prior: latitude from astropy, the slab's column, the soft-band dimming and the odds."""

import numpy as np
import pytest

from ml.galactic_prior import (
    NH_DISC,
    NH_FOOTPRINT,
    NH_POLE,
    apply_cluster_odds,
    apply_to_classes,
    cluster_odds_factor,
    galactic_column,
    galactic_latitude,
    sky_odds_factor,
    soft_band_transmission,
)
from ml.learning.labels import CLUSTER_INDICES

# (RA, Dec) in degrees, ICRS.
NORTH_GALACTIC_POLE = (192.85948, 27.12825)
GALACTIC_CENTRE = (266.40499, -28.93617)
ABELL_907 = (149.592, -11.064)
G16_7 = (275.2408, -14.3332)  # a supernova remnant in the plane, b = +0.1 deg


def test_latitude_is_astropys_with_missing_positions_kept_missing() -> None:
    b = galactic_latitude(
        [NORTH_GALACTIC_POLE[0], GALACTIC_CENTRE[0], np.nan],
        [NORTH_GALACTIC_POLE[1], GALACTIC_CENTRE[1], 10.0],
    )
    assert b[0] == pytest.approx(90.0, abs=1e-3)
    assert b[1] == pytest.approx(0.0, abs=1e-3)
    assert np.isnan(b[2])


def test_the_column_grows_towards_the_plane_symmetrically_up_to_the_disc() -> None:
    b = np.array([90.0, 30.0, 10.0, 1.0, 0.0, -10.0])
    nh = galactic_column(b)
    assert nh[0] == pytest.approx(NH_POLE)
    assert nh[1] == pytest.approx(2 * NH_POLE)  # 1 / sin 30 deg
    assert np.all(np.diff(nh[:5]) >= 0)
    assert nh[4] == NH_DISC
    assert nh[5] == pytest.approx(nh[2])


def test_soft_band_transmission_falls_from_one_with_the_column() -> None:
    t = soft_band_transmission([0.0, 1e20, 1e21, 1e22, 1e23])
    assert t[0] == pytest.approx(1.0)
    assert np.all(np.diff(t) < 0)
    assert 0.0 < t[-1] < 1e-3


def test_the_odds_are_untouched_on_the_training_surveys_sky_and_only_ever_lowered() -> None:
    nh = np.array([NH_POLE, 0.5 * NH_FOOTPRINT, NH_FOOTPRINT, 3e21, 1e22, NH_DISC])
    factor = cluster_odds_factor(nh)
    assert np.all(factor[:3] == 1.0)
    assert np.all(np.diff(factor) <= 0)
    assert 0.0 < factor[-1] < 0.01


def test_a_high_latitude_cluster_is_left_alone_and_a_source_in_the_plane_is_not() -> None:
    factor = sky_odds_factor([ABELL_907[0], G16_7[0], np.nan], [ABELL_907[1], G16_7[1], np.nan])
    assert factor[0] == 1.0
    assert factor[1] < 0.01
    assert factor[2] == 1.0  # no position, no prior


def test_the_prior_scales_the_odds_and_can_be_undone() -> None:
    p = np.array([0.01, 0.5, 0.69, 0.99])
    lowered = apply_cluster_odds(p, 0.1)
    odds = p / (1 - p)
    assert lowered / (1 - lowered) == pytest.approx(0.1 * odds)
    assert apply_cluster_odds(p, 1.0) == pytest.approx(p)
    assert apply_cluster_odds(lowered, 1 / 0.1) == pytest.approx(p)


def test_class_probabilities_move_as_the_cluster_probability_does() -> None:
    probs = np.array([[0.3, 0.2, 0.1, 0.3, 0.1], [0.05, 0.05, 0.6, 0.2, 0.1]])
    factor = np.array([0.2, 1.0])
    moved = apply_to_classes(probs, CLUSTER_INDICES, factor)
    assert moved.sum(axis=1) == pytest.approx([1.0, 1.0])
    cluster = probs[:, list(CLUSTER_INDICES)].sum(axis=1)
    assert moved[:, list(CLUSTER_INDICES)].sum(axis=1) == pytest.approx(
        apply_cluster_odds(cluster, factor)
    )
    assert moved[1] == pytest.approx(probs[1])
    # Within the non-cluster classes the shares keep their ratios.
    assert moved[0, 3] / moved[0, 4] == pytest.approx(3.0)
