"""The one home of every score metric: training, model promotion and the evaluation dashboard all call
these, so "held-out AUC" means the same number everywhere.

numpy only (no scikit-learn, no scipy), so the web process can compute them without loading either;
scikit-learn appears only in the tests, as the reference. `docs/metrics.md` defines each quantity.
"""

from ml.metrics.calibration import brier_score, expected_calibration_error, reliability
from ml.metrics.inputs import FloatArray, IntArray, check_binary
from ml.metrics.ranking import roc_auc, roc_curve, roc_points, tpr_at_fpr
from ml.metrics.threshold import (
    GRID_STEPS,
    Confusion,
    confusion_at,
    threshold_grid,
    threshold_grid_counts,
    wilson_interval,
)

__all__ = [
    "GRID_STEPS",
    "Confusion",
    "FloatArray",
    "IntArray",
    "brier_score",
    "check_binary",
    "confusion_at",
    "expected_calibration_error",
    "reliability",
    "roc_auc",
    "roc_curve",
    "roc_points",
    "threshold_grid",
    "threshold_grid_counts",
    "tpr_at_fpr",
    "wilson_interval",
]
