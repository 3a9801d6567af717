"""ROC AUC and TPR at a bounded FPR against brute-force definitions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.learning import roc_auc, roc_curve, tpr_at_fpr

_scored = st.lists(
    st.tuples(st.integers(-5, 5).map(float), st.integers(0, 1)), min_size=2, max_size=40
).filter(lambda rows: 0 < sum(y for _, y in rows) < len(rows))


def _split(rows: list[tuple[float, int]]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([s for s, _ in rows]), np.array([y for _, y in rows])


@settings(max_examples=60, deadline=None)
@given(_scored)
def test_auc_is_the_pairwise_win_rate(rows: list[tuple[float, int]]) -> None:
    scores, labels = _split(rows)
    pos, neg = scores[labels == 1], scores[labels == 0]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    assert roc_auc(scores, labels) == pytest.approx(wins / (pos.size * neg.size))


@settings(max_examples=60, deadline=None)
@given(_scored, st.floats(0.0, 1.0))
def test_tpr_at_fpr_is_the_best_threshold_within_the_fpr_bound(
    rows: list[tuple[float, int]], max_fpr: float
) -> None:
    scores, labels = _split(rows)
    best = 0.0
    for threshold in np.r_[np.inf, np.unique(scores)]:
        called = scores >= threshold
        fpr = called[labels == 0].mean()
        if fpr <= max_fpr:
            best = max(best, called[labels == 1].mean())
    assert tpr_at_fpr(scores, labels, max_fpr) == pytest.approx(best)


@settings(max_examples=30, deadline=None)
@given(_scored)
def test_roc_curve_runs_from_origin_to_one_and_area_matches_auc(
    rows: list[tuple[float, int]],
) -> None:
    scores, labels = _split(rows)
    fpr, tpr, thresholds = roc_curve(scores, labels)
    assert (fpr[0], tpr[0]) == (0.0, 0.0)
    assert (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert (np.diff(fpr) >= 0).all()
    assert (np.diff(tpr) >= 0).all()
    assert (np.diff(thresholds) < 0).all()
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc(scores, labels))


def test_auc_extremes_and_undefined_case() -> None:
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), labels) == 1.0
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), labels) == 0.0
    assert np.isnan(roc_auc(np.array([0.1, 0.2]), np.array([1, 1])))


def test_bad_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        roc_auc(np.array([0.1, 0.2]), np.array([0, 2]))
