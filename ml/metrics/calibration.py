"""Calibration: does a score of 0.7 mean "a cluster 70 % of the time"? Reliability bins, ECE, Brier.

Bin b holds p in [b/n, (b+1)/n), the last bin includes 1. Training reports ECE over 15 bins, the
evaluation dashboard over 10: each caller passes its count, the definition is this one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ml.metrics.inputs import FloatArray, IntArray, check_binary


def _probabilities(scores: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[FloatArray, IntArray]:
    p, y = check_binary(scores, labels)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    return p, y


def _binned(
    scores: npt.ArrayLike, labels: npt.ArrayLike, n_bins: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per equal-width bin: the count, the sum of scores and the sum of outcomes."""
    if n_bins < 1:
        raise ValueError(f"n_bins must be positive, got {n_bins}")
    p, y = _probabilities(scores, labels)
    index = np.minimum((p * n_bins).astype(np.int64), n_bins - 1)
    counts = np.bincount(index, minlength=n_bins).astype(np.int64)
    sum_p = np.bincount(index, weights=p, minlength=n_bins).astype(np.float64)
    sum_y = np.bincount(index, weights=y, minlength=n_bins).astype(np.float64)
    return counts, sum_p, sum_y


def reliability(
    scores: npt.ArrayLike, labels: npt.ArrayLike, *, n_bins: int = 10
) -> dict[str, list[float | None] | list[int]]:
    """Per bin: the edges, the count, the mean score and the observed fraction of positives (None in
    empty bins)."""
    counts, sum_p, sum_y = _binned(scores, labels, n_bins)
    return {
        "edges": np.linspace(0.0, 1.0, n_bins + 1).tolist(),
        "counts": counts.tolist(),
        "mean_score": [float(sp / c) if c else None for sp, c in zip(sum_p, counts, strict=True)],
        "fraction_positive": [
            float(sy / c) if c else None for sy, c in zip(sum_y, counts, strict=True)
        ],
    }


def expected_calibration_error(
    scores: npt.ArrayLike, labels: npt.ArrayLike, *, n_bins: int = 10
) -> float:
    """ECE: the count-weighted mean |mean score - observed positive fraction| over the bins; NaN when
    there are no scores."""
    counts, sum_p, sum_y = _binned(scores, labels, n_bins)
    total = int(counts.sum())
    # sum over bins of n_b * |mean_p - frac_y| / N == sum of |sum_p - sum_y| / N
    return float(np.abs(sum_p - sum_y).sum() / total) if total else float("nan")


def brier_score(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """Mean squared difference between score and outcome (0 is perfect, 0.25 is a coin at 0.5)."""
    p, y = _probabilities(scores, labels)
    return float(np.mean((p - y) ** 2)) if p.size else float("nan")
