"""Reliability, ECE and Brier against scikit-learn and hand counts; the truth rule on every case."""

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from ml.evaluation import NEGATIVE, POSITIVE, UNKNOWN, truth_from_evidence
from ml.evaluation.calibration import brier_score, expected_calibration_error, reliability


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


def test_truth_rule_positive_negative_unknown_and_conflict() -> None:
    matched = [True, False, False, True]
    rejected = [False, True, False, True]
    truth, conflict = truth_from_evidence(matched, rejected)
    assert truth.tolist() == [POSITIVE, NEGATIVE, UNKNOWN, POSITIVE]
    assert conflict.tolist() == [False, False, False, True]
