"""ROC curve, AUC and TPR at a bounded FPR against brute-force definitions and scikit-learn, the reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sklearn_roc_curve

from ml.metrics import roc_auc, roc_curve, roc_points, tpr_at_fpr

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
    with pytest.raises(ValueError, match=r"0 .negative. or 1"):
        roc_auc(np.array([0.1, 0.2]), np.array([0, 2]))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 400))
def test_roc_points_are_scikit_learns_curve(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    labels = np.r_[0, 1, (rng.random(n - 2) < 0.3).astype(int)]
    scores = np.round(rng.random(n), 2)  # ties included
    fpr, tpr, thresholds = roc_points(scores, labels)
    ref_fpr, ref_tpr, ref_thresholds = sklearn_roc_curve(labels, scores)
    assert np.allclose(fpr, ref_fpr)
    assert np.allclose(tpr, ref_tpr)
    assert np.allclose(thresholds[1:], ref_thresholds[1:])
    assert np.isfinite(thresholds[0])
    assert thresholds[0] > scores.max()
    # The area under the stored points is scikit-learn's AUC.
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(labels, scores))


def test_long_roc_curves_are_thinned_keeping_both_ends() -> None:
    rng = np.random.default_rng(1)
    labels = (rng.random(20_000) < 0.3).astype(int)
    scores = rng.random(20_000) + 0.3 * labels
    fpr, tpr, _ = roc_points(scores, labels, max_points=512)
    assert fpr.size <= 512
    assert (fpr[0], tpr[0]) == (0.0, 0.0)
    assert (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0)


def test_tpr_at_fixed_fpr_takes_the_best_point_within_the_limit() -> None:
    scores = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1]
    labels = [1, 1, 0, 1, 0, 0, 1, 0]
    # Hand-worked: FPR 0 reaches TPR 0.5 (0.9, 0.8); the next negative (0.7) costs FPR 0.25.
    assert tpr_at_fpr(scores, labels, 0.0) == 0.5
    assert tpr_at_fpr(scores, labels, 0.24) == 0.5
    assert tpr_at_fpr(scores, labels, 0.25) == 0.75
    assert tpr_at_fpr(scores, labels, 1.0) == 1.0
    with pytest.raises(ValueError, match="max_fpr"):
        tpr_at_fpr(scores, labels, 1.5)


def _random_scored(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.r_[0, 1, (rng.random(n - 2) < 0.3).astype(int)]
    # Rounded to two decimals: many ties, where rank and curve code most often go wrong.
    scores = np.round(rng.random(n) * 0.7 + 0.3 * labels, 2)
    return scores, labels


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 500))
def test_auc_is_scikit_learns(seed: int, n: int) -> None:
    scores, labels = _random_scored(seed, n)
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 500), st.booleans())
def test_roc_curve_is_scikit_learns_with_and_without_dropped_points(
    seed: int, n: int, drop: bool
) -> None:
    scores, labels = _random_scored(seed, n)
    fpr, tpr, thresholds = roc_curve(scores, labels, drop_intermediate=drop)
    ref_fpr, ref_tpr, ref_thresholds = sklearn_roc_curve(labels, scores, drop_intermediate=drop)
    np.testing.assert_allclose(fpr, ref_fpr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(tpr, ref_tpr, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(thresholds[1:], ref_thresholds[1:])
    assert thresholds[0] == np.inf


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 500), st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.5]))
def test_tpr_at_fpr_reads_scikit_learns_curve(seed: int, n: int, max_fpr: float) -> None:
    scores, labels = _random_scored(seed, n)
    # Every distinct threshold is an operating point: scikit-learn's default would drop those in the
    # middle of a sloped segment of ties, and with them the best TPR at some FPR limits.
    ref_fpr, ref_tpr, _ = sklearn_roc_curve(labels, scores, drop_intermediate=False)
    assert tpr_at_fpr(scores, labels, max_fpr) == pytest.approx(ref_tpr[ref_fpr <= max_fpr].max())
