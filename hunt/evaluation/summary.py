"""The compact, stable summary of an evaluation run: what `manage.py evaluate --json` writes.

Scientists' scripts read these keys; keep them (docs/metrics.md, "The JSON summary"). Rates are fractions,
`null` where undefined (no positives, no negatives, nothing called).
"""

from typing import Any

from hunt.evaluation.models import EvaluationRun

# The JSON's fixed-FPR keys, from the report's internal names.
FPR_KEYS = {"fpr_01": "0.01", "fpr_05": "0.05", "fpr_10": "0.10"}
SUMMARY_VERSION = 1


def scorer_summary(result: dict[str, Any]) -> dict[str, Any]:
    """One scorer's figures under the documented names."""
    at_fpr = result.get("tpr_at_fpr") or {}
    return {
        "n_positive": result.get("positives"),
        "n_negative": result.get("negatives"),
        "n_unknown": result.get("n_unknown"),
        "auc": result.get("auc"),
        "auc_ci": result.get("auc_ci") or [None, None],
        "tpr": result.get("tpr"),
        "fpr": result.get("fpr"),
        "threshold": result.get("threshold"),
        "ece": result.get("ece"),
        "tpr_at_fpr": {key: (at_fpr.get(name) or {}).get("tpr") for name, key in FPR_KEYS.items()},
        "negatives_by_class": result.get("negatives_by_class") or {},
    }


def evaluation_summary(run: EvaluationRun) -> dict[str, Any]:
    """`model` and `crowd` (null when not evaluated), plus what the run was measured against."""
    results = run.results or {}
    return {
        "summary_version": SUMMARY_VERSION,
        "evaluation_id": run.pk,
        "model_version": run.model_version_id,
        "catalogue": run.catalogue_name,
        "catalogue_version": run.catalogue_version,
        "classes": list(run.class_filter),
        "match_radius_arcsec": run.match_radius_arcsec,
        "split": run.split,
        "subject_set": run.subject_set_name or None,
        "threshold": run.threshold,
        "model": scorer_summary(results["model"]) if results.get("model") else None,
        "crowd": scorer_summary(results["crowd"]) if results.get("crowd") else None,
        # The crowd model's posterior P(cluster) on the same subjects (docs/crowd.md); null before it ran.
        "crowd_posterior": (
            scorer_summary(results["crowd_posterior"]) if results.get("crowd_posterior") else None
        ),
        "comparison": results.get("comparison"),
        "completeness": results.get("completeness"),
    }
