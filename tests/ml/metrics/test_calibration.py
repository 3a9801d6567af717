"""Reliability bins, ECE and Brier against scikit-learn (the reference), hand counts and their definitions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from ml.metrics import brier_score, expected_calibration_error, reliability

_probs_labels = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=80, deadline=None)
@given(_probs_labels, st.integers(1, 20))
def test_ece_matches_its_definition(data: tuple[list[float], list[int]], n_bins: int) -> None:
    probs, labels = np.array(data[0]), np.array(data[1])
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (probs >= lo) & ((probs < hi) if b < n_bins - 1 else (probs <= 1.0))
        if inside.any():
            total += inside.sum() * abs(probs[inside].mean() - labels[inside].mean())
    ece = expected_calibration_error(probs, labels, n_bins=n_bins)
    assert ece == pytest.approx(total / probs.size, abs=1e-12)
    assert 0.0 <= ece <= 1.0
    assert 0.0 <= brier_score(probs, labels) <= 1.0
    counts = reliability(probs, labels, n_bins=n_bins)["counts"]
    assert sum(c or 0 for c in counts) == probs.size


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 50), st.integers(0, 50))
def test_a_constant_forecast_of_the_base_rate_has_zero_ece(n: int, k: int) -> None:
    k = min(k, n)
    labels = np.r_[np.ones(k), np.zeros(n - k)]
    assert expected_calibration_error(np.full(n, k / n), labels) == pytest.approx(0.0, abs=1e-12)


def test_brier_extremes() -> None:
    labels = np.array([0, 1, 1, 0])
    assert brier_score(labels.astype(float), labels) == 0.0
    assert brier_score(1.0 - labels, labels) == 1.0


def test_brier_and_reliability_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(2000)
    y = (rng.random(2000) < p**1.5).astype(int)
    assert brier_score(p, y) == pytest.approx(brier_score_loss(y, p))
    bins = reliability(p, y, n_bins=10)
    frac, mean = calibration_curve(y, p, n_bins=10, strategy="uniform")
    ours_mean = [m for m in bins["mean_score"] if m is not None]
    ours_frac = [f for f in bins["fraction_positive"] if f is not None]
    assert np.allclose(ours_mean, mean)
    assert np.allclose(ours_frac, frac)


def test_ece_by_hand() -> None:
    # Bin [0.1, 0.2): scores 0.1, 0.1, outcomes 0, 1 -> gap |0.1 - 0.5| = 0.4, weight 2/4.
    # Bin [0.9, 1]: scores 0.9, 1.0, outcomes 1, 1 -> gap |0.95 - 1| = 0.05, weight 2/4.
    assert expected_calibration_error([0.1, 0.1, 0.9, 1.0], [0, 1, 1, 1]) == pytest.approx(0.225)
    assert expected_calibration_error([0.0, 1.0], [0, 1]) == 0.0


def test_scores_outside_zero_one_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier_score([1.2], [1])
