"""Every number of an evaluation run as CSV or JSON: flat tables a scientist can load in one line.

CSV files are flat (no JSON inside cells); JSON mirrors the same tables as lists of objects, except
`metrics.json`, which is the whole stored result with the run's provenance.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from hunt.evaluation.compute import SCORERS
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.selectors import metric_history

Table = tuple[list[str], list[list[Any]]]
CLASS_NAMES = ("cluster_low_z", "cluster_high_z", "galaxy", "point", "other")


def provenance(run: EvaluationRun) -> dict[str, Any]:
    return {
        "evaluation_run": run.pk,
        "model_version": run.model_version_id,
        "label_snapshot_sha256": run.label_snapshot_sha256,
        "catalogue": run.catalogue_name,
        "catalogue_version": run.catalogue_version,
        "match_radius_arcsec": run.match_radius_arcsec,
        "class_filter": run.class_filter,
        "split": run.split,
        "threshold": run.threshold,
        "bootstrap_resamples": run.bootstrap_resamples,
        "min_votes": run.min_votes,
        "seed": run.seed,
        "code_version": run.code_version,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def _scorers(run: EvaluationRun) -> Iterable[tuple[str, dict[str, Any]]]:
    return ((name, run.results[name]) for name in SCORERS if run.results.get(name))


def metrics_table(run: EvaluationRun) -> Table:
    rows: list[list[Any]] = []
    for name, r in _scorers(run):

        def add(metric: str, value: Any, low: Any = None, high: Any = None) -> None:
            rows.append([name, metric, value, low, high])  # noqa: B023

        for key in ("n", "positives", "negatives", "threshold"):
            add(key, r.get(key))
        for key in ("tp", "fp", "tn", "fn"):
            add(key, r["confusion"][key])
        add("tpr", r.get("tpr"), *(r.get("tpr_ci") or [None, None]))
        add("fpr", r.get("fpr"), *(r.get("fpr_ci") or [None, None]))
        for key in ("precision", "accuracy", "f1"):
            add(key, r.get(key))
        add("auc", r.get("auc"), *(r.get("auc_ci") or [None, None]))
        for target, value in (r.get("tpr_at_fpr") or {}).items():
            add(f"tpr_at_{target}", value["tpr"], *value["ci"])
        add("ece", r.get("ece"))
        add("brier", r.get("brier"))
        add("n_unknown", r.get("n_unknown"))
        for kind, v in (r.get("negatives_by_class") or {}).items():
            add(f"negatives_{kind}_n", v["n"])
            add(f"negatives_{kind}_false_positives", v["false_positives"])
            add(f"negatives_{kind}_fpr", v["fpr"])
        for key in ("candidates", name):
            rate = (run.results.get("completeness") or {}).get(key)
            if rate:
                add(
                    f"completeness_{key}" if key != name else "completeness",
                    rate["completeness"],
                    *rate["ci"],
                )
    shared = run.results.get("comparison") or {}
    for name in ("model", "crowd"):
        if shared.get(name):
            ci = shared[name].get("auc_ci") or [None, None]
            rows.append([f"{name} (shared subjects)", "n", shared["n"], None, None])
            rows.append([f"{name} (shared subjects)", "auc", shared[name]["auc"], *ci])
    return ["scorer", "metric", "value", "ci95_low", "ci95_high"], rows


def roc_table(run: EvaluationRun) -> Table:
    rows = [
        [name, fpr, tpr, threshold]
        for name, r in _scorers(run)
        if r.get("roc")
        for fpr, tpr, threshold in zip(
            r["roc"]["fpr"], r["roc"]["tpr"], r["roc"]["threshold"], strict=True
        )
    ]
    return ["scorer", "fpr", "tpr", "threshold"], rows


def thresholds_table(run: EvaluationRun) -> Table:
    rows: list[list[Any]] = []
    for name, r in _scorers(run):
        p, n = r["positives"], r["negatives"]
        grid = r["grid"]
        for t, tp, fp in zip(grid["threshold"], grid["tp"], grid["fp"], strict=True):
            rows.append([
                name, t, tp, fp, n - fp, p - tp, tp / p if p else None, fp / n if n else None,
                tp / (tp + fp) if tp + fp else None,
            ])  # fmt: skip
    return ["scorer", "threshold", "tp", "fp", "tn", "fn", "tpr", "fpr", "precision"], rows


def scores_table(run: EvaluationRun) -> Table:
    return list(run.scores.get("columns", [])), list(run.scores.get("rows", []))


def strata_table(run: EvaluationRun) -> Table:
    rows: list[list[Any]] = []
    for kind, groups in (run.results.get("strata") or {}).items():
        for stratum, scorers in groups.items():
            for name, s in scorers.items():
                c = s["confusion"]
                rows.append([
                    kind, stratum, name, s["n"], s["positives"], s["negatives"], c["tp"], c["fp"], c["tn"],
                    c["fn"], s["tpr"], *s["tpr_ci"], s["fpr"], *s["fpr_ci"], s["precision"], s["auc"],
                ])  # fmt: skip
    header = [
        "stratum_kind", "stratum", "scorer", "n", "positives", "negatives", "tp", "fp", "tn", "fn",
        "tpr", "tpr_ci95_low", "tpr_ci95_high", "fpr", "fpr_ci95_low", "fpr_ci95_high", "precision", "auc",
    ]  # fmt: skip
    return header, rows


def reliability_table(run: EvaluationRun) -> Table:
    rows = []
    for name, r in _scorers(run):
        rel = r.get("reliability")
        if not rel:
            continue
        edges = rel["edges"]
        for b, count in enumerate(rel["counts"]):
            rows.append([
                name, edges[b], edges[b + 1], count, rel["mean_score"][b], rel["fraction_positive"][b]
            ])  # fmt: skip
    return ["scorer", "bin_low", "bin_high", "count", "mean_score", "fraction_positive"], rows


def confusion_table(run: EvaluationRun) -> Table:
    rows: list[list[Any]] = []
    for name, r in _scorers(run):
        c = r["confusion"]
        for truth, called, count in (
            ("cluster", "cluster", c["tp"]), ("cluster", "not_cluster", c["fn"]),
            ("not_cluster", "cluster", c["fp"]), ("not_cluster", "not_cluster", c["tn"]),
        ):  # fmt: skip
            rows.append(["binary", name, r["threshold"], truth, called, count])
    five = run.results.get("confusion5") or {}
    for name in SCORERS:
        matrix = five.get(name)
        if matrix is None:
            continue
        for i, truth in enumerate(CLASS_NAMES):
            for j, answer in enumerate(CLASS_NAMES):
                rows.append(["five_class", name, None, truth, answer, matrix[i][j]])
    return ["matrix", "scorer", "threshold", "truth", "answer", "count"], rows


def history_table(run: EvaluationRun) -> Table:
    rows = []
    for other in metric_history(run):
        m = other.results.get("model") or {}
        c = other.results.get("crowd") or {}
        ci = m.get("auc_ci") or [None, None]
        at5 = (m.get("tpr_at_fpr") or {}).get("fpr_05") or {}
        rows.append([
            other.model_version_id, other.pk, other.counts.get("evaluated"), m.get("auc"), ci[0], ci[1],
            at5.get("tpr"), m.get("tpr"), m.get("fpr"), m.get("precision"), m.get("ece"), c.get("auc"),
            other.label_snapshot_sha256, other.created_at.isoformat(),
        ])  # fmt: skip
    header = [
        "model_version", "evaluation_run", "evaluated", "auc", "auc_ci95_low", "auc_ci95_high",
        "tpr_at_fpr_05", "tpr", "fpr", "precision", "ece", "crowd_auc", "label_snapshot_sha256",
        "created_at",
    ]  # fmt: skip
    return header, rows


DOWNLOADS: dict[str, tuple[str, Callable[[EvaluationRun], Table]]] = {
    "metrics": ("Summary metrics with 95 % intervals", metrics_table),
    "roc": ("ROC curve points", roc_table),
    "thresholds": ("Counts and rates at every threshold (step 0.002)", thresholds_table),
    "scores": ("Per-subject truth and scores", scores_table),
    "strata": ("Metrics by cluster class, redshift and exposure", strata_table),
    "reliability": ("Reliability diagram bins", reliability_table),
    "confusion": ("Confusion matrices (binary and 5-class)", confusion_table),
    "history": ("Metric history across model versions", history_table),
}
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def download_render(run: EvaluationRun, what: str, fmt: str) -> str:
    if what not in DOWNLOADS or fmt not in FORMATS:
        raise KeyError(f"unknown download {what}.{fmt}")
    if what == "metrics" and fmt == "json":
        return json.dumps(
            {"provenance": provenance(run), "counts": run.counts, "results": run.results}
        )
    header, rows = DOWNLOADS[what][1](run)
    if fmt == "json":
        return json.dumps(
            {
                "provenance": provenance(run),
                "rows": [dict(zip(header, row, strict=True)) for row in rows],
            }
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()
