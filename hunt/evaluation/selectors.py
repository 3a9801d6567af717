"""Reads for the evaluation dashboard, APIs and downloads."""

from __future__ import annotations

from django.db.models import QuerySet

from hunt.catalogues.models import ReferenceCatalogue
from hunt.evaluation.models import EvaluationRun
from ml.catalogues.presets import XCLASS


def catalogue_default() -> ReferenceCatalogue | None:
    """The most recently loaded X-CLASS-preset catalogue, else the most recent of any preset."""
    latest = ReferenceCatalogue.objects.order_by("-created_at", "-id")
    return latest.filter(preset=XCLASS.key).first() or latest.first()


def evaluation_runs(*, limit: int = 50) -> QuerySet[EvaluationRun]:
    """Recent runs without their (large) per-subject scores."""
    return EvaluationRun.objects.select_related("model_version", "catalogue").defer("scores")[
        :limit
    ]


def evaluation_run_latest() -> EvaluationRun | None:
    return (
        EvaluationRun.objects.filter(status=EvaluationRun.Status.SUCCEEDED)
        .select_related("model_version", "catalogue")
        .defer("scores")
        .first()
    )


def evaluation_runs_comparable(run: EvaluationRun, *, limit: int = 8) -> list[EvaluationRun]:
    """Earlier successful runs of *other* model versions against the same catalogue, classes and split:
    the previous models drawn beside the current one (newest first, one run per model version)."""
    runs = (
        EvaluationRun.objects.filter(
            status=EvaluationRun.Status.SUCCEEDED,
            catalogue_name=run.catalogue_name,
            catalogue_version=run.catalogue_version,
            split=run.split,
            subject_set_name=run.subject_set_name,
            class_filter=run.class_filter,
            model_version__isnull=False,
        )
        .exclude(model_version_id=run.model_version_id)
        .filter(created_at__lte=run.created_at)
        .select_related("model_version")
        .defer("scores")
        .order_by("-created_at", "-id")
    )
    seen: set[int | None] = set()
    out: list[EvaluationRun] = []
    for other in runs:
        if other.model_version_id in seen:
            continue
        seen.add(other.model_version_id)
        out.append(other)
        if len(out) == limit:
            break
    return out


def metric_history(run: EvaluationRun) -> list[EvaluationRun]:
    """The comparable runs and this one, oldest model first: metric history across model versions."""
    history = [*evaluation_runs_comparable(run, limit=50)]
    if run.model_version_id is not None:
        history.append(run)
    return sorted(history, key=lambda r: (r.model_version_id or 0, r.created_at))


def evaluation_reported(model_version_id: int) -> EvaluationRun | None:
    """The figures to report for a model: its latest successful run on the locked test split of all sets."""
    return (
        EvaluationRun.objects.filter(
            status=EvaluationRun.Status.SUCCEEDED,
            model_version_id=model_version_id,
            split=EvaluationRun.Split.TEST,
            subject_set__isnull=True,
            subject_set_name="",
        )
        .defer("scores")
        .order_by("-created_at", "-id")
        .first()
    )


def model_test_figures(model_version_id: int) -> dict[str, object] | None:
    """What About and the model page show of a model: test-split, truth-based, with N and what it is against."""
    run = evaluation_reported(model_version_id)
    result = (run.results or {}).get("model") if run else None
    if run is None or not result or result.get("auc") is None:
        return None
    at_5 = (result.get("tpr_at_fpr") or {}).get("fpr_05") or {}
    return {
        "evaluation_id": run.pk,
        "auc": result["auc"],
        "auc_ci": result.get("auc_ci") or [None, None],
        "tpr_at_5": at_5.get("tpr"),
        "n": result.get("n"),
        "positives": result.get("positives"),
        "negatives": result.get("negatives"),
        "catalogue": f"{run.catalogue_name} v{run.catalogue_version}",
        "classes": run.class_filter_label,
    }
