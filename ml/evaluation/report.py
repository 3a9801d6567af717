"""Everything the dashboard shows for one scorer (model or crowd), as plain JSON-ready dicts.

Metrics are computed on the full data; only the stored curves (ROC, threshold grid) are thinned.
NaN (an undefined rate, e.g. TPR with no positives) becomes None so the result serialises as JSON.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from ml.evaluation.bootstrap import BootstrapResult, bootstrap_roc
from ml.metrics import (
    brier_score,
    check_binary,
    confusion_at,
    expected_calibration_error,
    reliability,
    roc_auc,
    roc_points,
    threshold_grid_counts,
    tpr_at_fpr,
    wilson_interval,
)

FPR_TARGETS = (0.01, 0.05, 0.1)


def fpr_key(target: float) -> str:
    """ "fpr_01", "fpr_05", "fpr_10": equal-length keys keep their order in PostgreSQL's jsonb and are
    usable in templates (a key with a dot is not)."""
    return f"fpr_{round(target * 100):02d}"


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _pair(values: tuple[float, float]) -> list[float | None]:
    return [_num(values[0]), _num(values[1])]


def _rounded(values: npt.ArrayLike, digits: int = 6) -> list[float]:
    return [float(v) for v in np.round(np.asarray(values, dtype=np.float64), digits)]


def at_threshold(scores: npt.ArrayLike, labels: npt.ArrayLike, threshold: float) -> dict[str, Any]:
    """Confusion counts and rates at one threshold, with Wilson intervals on TPR and FPR."""
    c = confusion_at(scores, labels, threshold)
    return {
        "threshold": float(threshold),
        "confusion": {"tp": c.tp, "fp": c.fp, "tn": c.tn, "fn": c.fn},
        "tpr": _num(c.tpr),
        "tpr_ci": _pair(wilson_interval(c.tp, c.positives)),
        "fpr": _num(c.fpr),
        "fpr_ci": _pair(wilson_interval(c.fp, c.negatives)),
        "precision": _num(c.precision),
        "accuracy": _num(c.accuracy),
        "f1": _num(c.f1),
    }


def score_report(
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    threshold: float = 0.5,
    resamples: int = 1000,
    seed: int = 0,
    max_points: int = 512,
) -> dict[str, Any]:
    """Counts, rates, ROC/AUC with bootstrap intervals, TPR at fixed FPR, calibration, threshold grid."""
    s, y = check_binary(scores, labels)
    n_pos = int(y.sum())
    n_neg = int(y.size - n_pos)
    report: dict[str, Any] = {"n": int(y.size), "positives": n_pos, "negatives": n_neg}
    report.update(at_threshold(s, y, threshold))
    grid, tp, fp = threshold_grid_counts(s, y)
    report["grid"] = {"threshold": _rounded(grid), "tp": tp.tolist(), "fp": fp.tolist()}
    if s.size:
        report["reliability"] = reliability(s, y)
        report["ece"] = _num(expected_calibration_error(s, y))
        report["brier"] = _num(brier_score(s, y))
    both = n_pos > 0 and n_neg > 0
    report["auc"] = roc_auc(s, y) if both else None
    if not both:
        report["note"] = "AUC and ROC need at least one positive and one negative"
        return report
    fpr, tpr, thresholds = roc_points(s, y, max_points=max_points)
    report["roc"] = {"fpr": _rounded(fpr), "tpr": _rounded(tpr), "threshold": _rounded(thresholds)}
    boot: BootstrapResult | None = (
        bootstrap_roc(s, y, resamples=resamples, seed=seed, fpr_targets=FPR_TARGETS)
        if resamples > 0
        else None
    )
    report["bootstrap_resamples"] = resamples
    report["auc_ci"] = _pair(boot.interval(boot.auc)) if boot else [None, None]
    report["tpr_at_fpr"] = {
        fpr_key(target): {
            # On the full data: thinning the stored curve could drop the exact operating point.
            "tpr": tpr_at_fpr(s, y, target),
            "ci": _pair(boot.interval(boot.tpr_at_fpr[target])) if boot else [None, None],
        }
        for target in FPR_TARGETS
    }
    if boot:
        low, high = boot.band()
        report["roc_band"] = {
            "fpr": _rounded(boot.fpr_grid),
            "tpr_low": _rounded(low),
            "tpr_high": _rounded(high),
        }
    return report


def stratum_summary(
    scores: npt.ArrayLike, labels: npt.ArrayLike, *, threshold: float = 0.5
) -> dict[str, Any]:
    """The small set shown per stratum: counts, TPR/FPR with Wilson intervals, precision, AUC."""
    s, y = check_binary(scores, labels)
    n_pos = int(y.sum())
    summary: dict[str, Any] = {
        "n": int(y.size),
        "positives": n_pos,
        "negatives": int(y.size - n_pos),
    }
    summary.update(at_threshold(s, y, threshold))
    summary["auc"] = roc_auc(s, y) if 0 < n_pos < y.size else None
    return summary


def multiclass_confusion(
    true_index: npt.ArrayLike, predicted_index: npt.ArrayLike, n_classes: int
) -> list[list[int]]:
    """Row = truth, column = answer: counts of each pair."""
    t = np.asarray(true_index, dtype=np.int64).ravel()
    p = np.asarray(predicted_index, dtype=np.int64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"true and predicted differ in length: {t.size} vs {p.size}")
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= n_classes):
        raise ValueError(f"class indices must lie in [0, {n_classes})")
    counts = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    matrix: list[list[int]] = counts.reshape(n_classes, n_classes).tolist()
    return matrix
