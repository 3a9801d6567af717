"""Ranking metrics for the cluster-vs-not score: ROC curve, AUC and TPR at a bounded FPR."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def _binary(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel()
    if s.shape != y.shape:
        raise ValueError(f"scores and labels differ in length: {s.size} vs {y.size}")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return s, y.astype(bool)


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: the chance a random positive outranks a random negative (ties 1/2).

    NaN when either class is absent, since the area is then undefined.
    """
    s, y = _binary(scores, labels)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    # Mann-Whitney U from average ranks: exact, ties included, O(n log n).
    ranks = rankdata(s)
    u = float(ranks[y].sum()) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def roc_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds), one point per distinct score from the highest down, plus (0, 0).

    A candidate is called positive when its score is >= the threshold; the first threshold is
    +inf (nothing called positive).
    """
    s, y = _binary(scores, labels)
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
    fpr = np.r_[0.0, fp / n_neg]
    tpr = np.r_[0.0, tp / n_pos]
    thresholds = np.r_[np.inf, s_sorted[last]]
    return fpr, tpr, thresholds


def tpr_at_fpr(scores: np.ndarray, labels: np.ndarray, max_fpr: float = 0.05) -> float:
    """The highest true-positive rate of any threshold whose false-positive rate is <= max_fpr."""
    if not 0.0 <= max_fpr <= 1.0:
        raise ValueError(f"max_fpr must lie in [0, 1], got {max_fpr}")
    fpr, tpr, _ = roc_curve(scores, labels)
    return float(tpr[fpr <= max_fpr].max())
