"""Bootstrap confidence intervals for the ROC curve, its area and TPR at fixed FPR, vectorised.

Stratified resampling (positives and negatives resampled separately, as pROC does by default): every
resample keeps the observed numbers of positives and negatives, so none is degenerate even when
clusters are rare, and the interval reflects the uncertainty of the ranking, not of the class balance.

Speed: the scores are sorted and grouped by distinct value once. A resample is then just a count per
score group for each class (one `bincount` over many resamples at once), and every statistic follows
from cumulative sums of those counts, O(groups) per resample instead of a sort. 1,000 resamples of
100,000 subjects take about two seconds on this machine (`bench/evaluate.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ml.metrics import FloatArray, check_binary

# Resamples processed together: bounds memory to a few (CHUNK x groups) int64 arrays (~25 MB at 100k).
CHUNK = 32


@dataclass(frozen=True)
class BootstrapResult:
    resamples: int
    auc: FloatArray  # (resamples,)
    tpr_at_fpr: Mapping[float, FloatArray]  # FPR target -> (resamples,)
    fpr_grid: FloatArray  # the FPR values of the ROC band
    tpr_band: FloatArray  # (resamples, len(fpr_grid)): TPR at FPR <= each grid value

    @staticmethod
    def interval(values: FloatArray, level: float = 0.95) -> tuple[float, float]:
        """Percentile interval; (nan, nan) when no finite value exists."""
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return float("nan"), float("nan")
        tail = 100.0 * (1.0 - level) / 2.0
        low, high = np.percentile(finite, [tail, 100.0 - tail])
        return float(low), float(high)

    def band(self, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        tail = 100.0 * (1.0 - level) / 2.0
        low, high = np.percentile(self.tpr_band, [tail, 100.0 - tail], axis=0)
        return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def _group_counts(
    groups: npt.NDArray[np.int64], draws: npt.NDArray[np.int64], n_groups: int
) -> npt.NDArray[np.int64]:
    """Per resample row, how many drawn items fall in each score group: (rows, n_groups)."""
    rows = draws.shape[0]
    flat = groups[draws] + (np.arange(rows, dtype=np.int64) * n_groups)[:, None]
    return np.bincount(flat.ravel(), minlength=rows * n_groups).reshape(rows, n_groups)


def bootstrap_roc(
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    resamples: int = 1000,
    seed: int = 0,
    fpr_targets: tuple[float, ...] = (0.01, 0.05, 0.1),
    fpr_grid: FloatArray | None = None,
) -> BootstrapResult:
    """AUC, TPR at each FPR target and a TPR band over `fpr_grid`, for each of `resamples` resamples.

    With `resamples=0` nothing is drawn. Needs at least one positive and one negative.
    """
    s, y = check_binary(scores, labels)
    grid: FloatArray = np.asarray(
        np.linspace(0.0, 1.0, 101) if fpr_grid is None else fpr_grid, dtype=np.float64
    )
    n_pos, n_neg = int(y.sum()), int(y.size - y.sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("the bootstrap needs at least one positive and one negative")
    # Group 0 holds the highest score: cumulative sums along groups give counts called positive at
    # each distinct threshold, from the strictest down.
    distinct, inverse = np.unique(-s, return_inverse=True)
    n_groups = distinct.size
    pos_groups = inverse[y == 1].astype(np.int64)
    neg_groups = inverse[y == 0].astype(np.int64)
    rng = np.random.default_rng(seed)
    auc = np.empty(resamples)
    at_fpr = {target: np.empty(resamples) for target in fpr_targets}
    band = np.empty((resamples, grid.size))
    for start in range(0, resamples, CHUNK):
        rows = min(CHUNK, resamples - start)
        pos = _group_counts(pos_groups, rng.integers(0, n_pos, (rows, n_pos)), n_groups)
        neg = _group_counts(neg_groups, rng.integers(0, n_neg, (rows, n_neg)), n_groups)
        tp = np.cumsum(pos, axis=1)
        fp = np.cumsum(neg, axis=1)
        # Mann-Whitney: each positive beats the negatives strictly below it and ties half of its group's.
        below = n_neg - fp
        auc[start : start + rows] = (pos * (below + 0.5 * neg)).sum(axis=1) / (n_pos * n_neg)
        tpr = tp / n_pos
        fpr = fp / n_neg
        for target, values in at_fpr.items():
            # FPR only grows along the groups: the last group within the target has the best TPR.
            last = (fpr <= target + 1e-12).sum(axis=1) - 1
            picked = np.take_along_axis(tpr, np.maximum(last, 0)[:, None], axis=1)[:, 0]
            values[start : start + rows] = np.where(last >= 0, picked, 0.0)
        for row in range(rows):
            last = np.searchsorted(fpr[row], grid + 1e-12, side="right") - 1
            band[start + row] = np.where(last >= 0, tpr[row, np.maximum(last, 0)], 0.0)
    return BootstrapResult(
        resamples=resamples, auc=auc, tpr_at_fpr=at_fpr, fpr_grid=grid, tpr_band=band
    )
