"""Ranking metrics for the cluster-vs-not score: ROC curve, AUC and TPR at a bounded FPR.

numpy only, so that the web process can show them without loading scikit-learn or scipy; the tests
check every function here against scikit-learn. A candidate is *called* a cluster when its score is >=
the threshold.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ml.metrics.inputs import FloatArray, check_binary


def roc_auc(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative (ties 1/2).

    NaN when either class is absent, since the area is then undefined.
    """
    s, y = check_binary(scores, labels)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    # Mann-Whitney U from average ranks (exact, ties included, O(n log n)): a run of equal scores
    # occupying ranks a..b gets (a + b) / 2 each.
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = (ends - (counts - 1) / 2.0)[inverse]
    u = float(ranks[y == 1].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def roc_curve(
    scores: npt.ArrayLike, labels: npt.ArrayLike, *, drop_intermediate: bool = False
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(fpr, tpr, thresholds), one point per distinct score from the highest down, after (0, 0).

    The first threshold is +inf (nothing called positive). With `drop_intermediate`, points in the
    middle of a straight segment are dropped, as scikit-learn's `roc_curve` does by default: the area is
    unchanged, but operating points are lost, so `tpr_at_fpr` never reads a thinned curve. A class that
    is absent gives rates of 0 rather than NaN.
    """
    s, y = check_binary(scores, labels)
    n_pos = max(int(y.sum()), 1)
    n_neg = max(y.size - int(y.sum()), 1)
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    # The last index of each run of equal scores: tied candidates switch class together.
    last = (
        np.r_[np.flatnonzero(np.diff(s_sorted)), s_sorted.size - 1] if s.size else np.array([], int)
    )
    tp = np.cumsum(y_sorted)[last]
    fp = (last + 1) - tp
    thresholds = s_sorted[last]
    if drop_intermediate and tp.size > 2:
        corner = np.r_[True, (np.diff(fp, 2) != 0) | (np.diff(tp, 2) != 0), True]
        tp, fp, thresholds = tp[corner], fp[corner], thresholds[corner]
    fpr = np.r_[0.0, fp / n_neg]
    tpr = np.r_[0.0, tp / n_pos]
    return fpr, tpr, np.r_[np.inf, thresholds]


def roc_points(
    scores: npt.ArrayLike, labels: npt.ArrayLike, *, max_points: int = 512
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The ROC curve's corners, thinned to at most `max_points` for storage and plots.

    Thinning keeps the first and last points and evenly spaced ones between; metrics are always computed
    on the full data, never on the thinned curve. The first threshold, +inf, is stored as 1 + the highest
    score so that the curve serialises as JSON.
    """
    s, _ = check_binary(scores, labels)
    fpr, tpr, thresholds = roc_curve(scores, labels, drop_intermediate=True)
    thresholds = np.where(np.isfinite(thresholds), thresholds, (s.max() if s.size else 0.0) + 1.0)
    if fpr.size > max_points:
        keep = np.unique(np.linspace(0, fpr.size - 1, max_points).round().astype(np.int64))
        fpr, tpr, thresholds = fpr[keep], tpr[keep], thresholds[keep]
    return fpr, tpr, thresholds


def tpr_at_fpr(scores: npt.ArrayLike, labels: npt.ArrayLike, max_fpr: float = 0.05) -> float:
    """The highest TPR of any threshold whose FPR is <= max_fpr (no interpolation between points)."""
    if not 0.0 <= max_fpr <= 1.0:
        raise ValueError(f"max_fpr must lie in [0, 1], got {max_fpr}")
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(tpr[fpr <= max_fpr].max())
