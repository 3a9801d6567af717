"""Cluster-vs-not metrics at one threshold and over the slider's threshold grid, with Wilson intervals.

A candidate is *called* a cluster when its score is >= the threshold. Scores are the model's calibrated
probability or the crowd's raw vote fraction for "cluster", both in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ml.metrics.inputs import FloatArray, IntArray, check_binary

# The slider's grid: 501 thresholds 0, 0.002, ..., 1. Built as i / 500 so that a grid value equals the
# vote fraction it stands for bit for bit (3 / 5 == 300 / 500), which linspace does not guarantee.
GRID_STEPS = 500


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


@dataclass(frozen=True)
class Confusion:
    """Counts at one threshold; rates are NaN where their denominator is zero."""

    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def positives(self) -> int:
        return self.tp + self.fn

    @property
    def negatives(self) -> int:
        return self.fp + self.tn

    @property
    def tpr(self) -> float:
        """Completeness: TP / (TP + FN)."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def fpr(self) -> float:
        """Contamination of the rejects: FP / (FP + TN)."""
        return _ratio(self.fp, self.fp + self.tn)

    @property
    def precision(self) -> float:
        """Purity: TP / (TP + FP)."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def accuracy(self) -> float:
        return _ratio(self.tp + self.tn, self.tp + self.fp + self.tn + self.fn)

    @property
    def f1(self) -> float:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)


def confusion_at(scores: npt.ArrayLike, labels: npt.ArrayLike, threshold: float) -> Confusion:
    s, y = check_binary(scores, labels)
    called = s >= threshold
    tp = int(np.count_nonzero(called & (y == 1)))
    fp = int(np.count_nonzero(called & (y == 0)))
    positives = int(y.sum())
    return Confusion(tp=tp, fp=fp, tn=y.size - positives - fp, fn=positives - tp)


def wilson_interval(
    successes: int, trials: int, *, z: float = 1.959963984540054
) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default); (nan, nan) when trials is 0.

    Unlike the normal approximation it stays inside [0, 1] and is honest at 0/n and n/n, which is where a
    small stratum's TPR or FPR often sits.
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if trials == 0:
        return math.nan, math.nan
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    # At 0/n and n/n the bound is exactly 0 or 1; floating point would leave 1e-17 there.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def threshold_grid() -> FloatArray:
    return np.arange(GRID_STEPS + 1, dtype=np.float64) / GRID_STEPS


def threshold_grid_counts(
    scores: npt.ArrayLike, labels: npt.ArrayLike, grid: FloatArray | None = None
) -> tuple[FloatArray, IntArray, IntArray]:
    """(grid, tp, fp): how many positives and negatives score >= each grid threshold, exactly."""
    s, y = check_binary(scores, labels)
    thresholds = threshold_grid() if grid is None else np.asarray(grid, dtype=np.float64)
    pos = np.sort(s[y == 1])
    neg = np.sort(s[y == 0])
    tp = pos.size - np.searchsorted(pos, thresholds, side="left")
    fp = neg.size - np.searchsorted(neg, thresholds, side="left")
    return thresholds, tp.astype(np.int64), fp.astype(np.int64)
