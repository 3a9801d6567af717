"""Scoring cluster finders against a reference truth: the numbers behind the science dashboard.

numpy only, no Django: the `hunt.evaluation` app gathers scores and truth from the database and stores
what this returns. The metrics themselves live in `ml.metrics`, shared with training and promotion;
`docs/metrics.md` defines every quantity and the truth rule.
"""

from ml.evaluation.bootstrap import BootstrapResult, bootstrap_roc
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
    "bootstrap_roc",
    "multiclass_confusion",
    "score_report",
    "stratum_summary",
    "truth_from_evidence",
]
