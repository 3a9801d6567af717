"""Scoring cluster finders against a reference truth: the numbers behind the science dashboard.

Pure numpy (plus scikit-learn's ROC functions for the point estimates), no Django: the `hunt.evaluation`
app gathers scores and truth from the database and stores what this returns. `docs/metrics.md` defines
every quantity and the truth rule.
"""

from ml.evaluation.binary import (
    Confusion,
    confusion_at,
    roc_points,
    threshold_grid,
    threshold_grid_counts,
    tpr_at_fpr,
    wilson_interval,
)
from ml.evaluation.bootstrap import BootstrapResult, bootstrap_roc
from ml.evaluation.calibration import brier_score, expected_calibration_error, reliability
from ml.evaluation.report import (
    FPR_TARGETS,
    multiclass_confusion,
    score_report,
    stratum_summary,
)
from ml.evaluation.truth import NEGATIVE, POSITIVE, UNKNOWN, truth_from_evidence

__all__ = [
    "FPR_TARGETS",
    "NEGATIVE",
    "POSITIVE",
    "UNKNOWN",
    "BootstrapResult",
    "Confusion",
    "bootstrap_roc",
    "brier_score",
    "confusion_at",
    "expected_calibration_error",
    "multiclass_confusion",
    "reliability",
    "roc_points",
    "score_report",
    "stratum_summary",
    "threshold_grid",
    "threshold_grid_counts",
    "tpr_at_fpr",
    "truth_from_evidence",
    "wilson_interval",
]
