"""Counts, rates, Wilson intervals and threshold grids against hand-worked answers and direct counts."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.metrics import confusion_at, threshold_grid, threshold_grid_counts, wilson_interval

SCORES = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1]
LABELS = [1, 1, 0, 1, 0, 0, 1, 0]


def test_counts_and_rates_at_a_threshold_match_a_hand_count() -> None:
    c = confusion_at(SCORES, LABELS, 0.5)
    # Called cluster: 0.9 (1), 0.8 (1), 0.7 (0), 0.6 (1) -> TP 3, FP 1; below: 0.2 is a missed cluster.
    assert (c.tp, c.fp, c.tn, c.fn) == (3, 1, 3, 1)
    assert c.tpr == 0.75
    assert c.fpr == 0.25
    assert c.precision == 0.75
    assert c.accuracy == 0.75
    assert c.f1 == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))


def test_a_score_equal_to_the_threshold_is_called_a_cluster() -> None:
    assert confusion_at([0.5, 0.5], [1, 0], 0.5).tp == 1
    assert confusion_at([0.5, 0.5], [1, 0], 0.5).fp == 1


def test_undefined_rates_are_nan_not_zero() -> None:
    c = confusion_at([0.2, 0.3], [0, 0], 0.5)
    assert math.isnan(c.tpr)
    assert math.isnan(c.precision)
    assert c.fpr == 0.0


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # Published values (Newcombe 1998, Table I; Brown, Cai & DasGupta 2001), 95 %.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (20, 20, 0.8389, 1.0),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_intervals_match_published_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=5e-4)
    assert hi == pytest.approx(high, abs=5e-4)


def test_wilson_interval_is_exact_at_the_ends_and_refuses_nonsense() -> None:
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(3, 2)


def test_the_threshold_grid_counts_exactly_at_vote_fractions() -> None:
    grid = threshold_grid()
    assert grid.size == 501
    assert grid[0] == 0.0
    assert grid[-1] == 1.0
    fractions = np.array([3 / 5, 2 / 5, 1.0, 0.0])
    _, tp, fp = threshold_grid_counts(fractions, [1, 0, 1, 0])
    assert tp[300] == 2  # grid[300] is 0.6: the 3/5 vote fraction counts as >= it
    assert fp[200] == 1  # 2/5 >= 0.4
    assert fp[201] == 0
    assert tp[500] == 1
    assert tp[0] == 2
    assert fp[0] == 2


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 300), st.booleans())
def test_grid_counts_agree_with_a_direct_count(seed: int, n: int, discrete: bool) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random(n) * 5) / 5 if discrete else rng.random(n)
    labels = (rng.random(n) < 0.4).astype(int)
    grid, tp, fp = threshold_grid_counts(scores, labels)
    for i in rng.integers(0, grid.size, 20):
        c = confusion_at(scores, labels, float(grid[i]))
        assert (tp[i], fp[i]) == (c.tp, c.fp)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        confusion_at([0.1, 0.2], [1], 0.5)
    with pytest.raises(ValueError, match=r"0 .negative. or 1"):
        confusion_at([0.1], [2], 0.5)
    with pytest.raises(ValueError, match="finite"):
        confusion_at([np.nan], [1], 0.5)
