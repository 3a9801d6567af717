"""Server-side charts of an evaluation run (matplotlib, Agg backend), as PNG or SVG bytes.

Every chart names its axes with units and states its sample sizes. The ROC chart's axes sit at a fixed
place in the figure (`ROC_AXES`), so the dashboard can put the live threshold marker over the image.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from hunt.evaluation.compute import SCORERS
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.selectors import evaluation_runs_comparable, metric_history

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# (left, bottom, width, height) of the ROC and threshold axes as figure fractions: the page puts the live threshold
# markers (ROC) and line (rates) over the images at the same places. Legends sit below the axes, never on a line.
ROC_AXES = (0.13, 0.30, 0.82, 0.62)
THRESHOLD_AXES = (0.11, 0.36, 0.85, 0.56)
# The log-FPR ROC starts here (a finite left edge for FPR = 0): the region FPR < 5 % spans most of its width.
LOG_FPR_MIN = 1e-3
COLOURS = {
    "model": "#d1495b",
    "crowd": "#00798c",
    "crowd_posterior": "#edae49",
    "previous": "#8d99ae",
    "ideal": "#555555",
}
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
CLASS_LABELS = ("low-z cluster", "high-z cluster", "galaxy", "point", "other")


def _pyplot() -> ModuleType:
    """matplotlib's pyplot on the Agg backend, imported on the first chart: it costs ~0.5 s and ~40 MB,
    which no other page of the web process needs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure(width: float = 6.4, height: float = 4.8) -> Figure:
    figure = _pyplot().figure(figsize=(width, height), dpi=100)
    figure.patch.set_facecolor("white")
    return figure


def _sizes(result: dict[str, Any]) -> str:
    return f"N = {result['n']}: {result['positives']} clusters, {result['negatives']} non-clusters"


def _scorers(run: EvaluationRun) -> list[tuple[str, dict[str, Any]]]:
    return [(name, run.results[name]) for name in SCORERS if run.results.get(name)]


def _label(run: EvaluationRun, name: str) -> str:
    return f"model v{run.model_version_id}" if name == "model" else "crowd (vote fraction)"


def _legend_below(ax: Any, *, extra: list[Any] | None = None) -> None:
    """The legend under the axes (their x label included), where it cannot cover a curve."""
    handles, labels = ax.get_legend_handles_labels()
    for other in extra or []:
        more_handles, more_labels = other.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(
        handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, ncol=1,
        frameon=False,
    )  # fmt: skip


def roc_figure(run: EvaluationRun, *, log_fpr: bool = False) -> Figure:
    figure = _figure(6.4, 7.2)
    ax = figure.add_axes(ROC_AXES)
    chance = np.logspace(np.log10(LOG_FPR_MIN), 0, 50) if log_fpr else np.array([0.0, 1.0])
    ax.plot(chance, chance, ls=":", color=COLOURS["ideal"], lw=1, label="chance")
    for other in evaluation_runs_comparable(run, limit=5):
        roc = (other.results.get("model") or {}).get("roc")
        if roc:
            auc = other.results["model"].get("auc")
            ax.plot(
                roc["fpr"], roc["tpr"], color=COLOURS["previous"], lw=1, alpha=0.8,
                label=f"model v{other.model_version_id} (run #{other.pk}, AUC {auc:.3f})",
            )  # fmt: skip
    for name, result in _scorers(run):
        roc = result.get("roc")
        if not roc:
            continue
        band = result.get("roc_band")
        if band:
            ax.fill_between(
                band["fpr"],
                band["tpr_low"],
                band["tpr_high"],
                color=COLOURS[name],
                alpha=0.15,
                lw=0,
            )
        ci = result.get("auc_ci") or [None, None]
        ci_text = "" if None in ci else f" [{ci[0]:.3f}, {ci[1]:.3f}]"
        ax.plot(
            roc["fpr"], roc["tpr"], color=COLOURS[name], lw=2, clip_on=log_fpr, zorder=3,
            label=f"{_label(run, name)}: AUC {result['auc']:.3f}{ci_text}",
        )  # fmt: skip
        if result.get("fpr") is not None and result.get("tpr") is not None:
            ax.plot(result["fpr"], result["tpr"], "o", color=COLOURS[name], ms=7, mec="black")
    if log_fpr:
        ax.set_xscale("log")
        ax.set_xlim(LOG_FPR_MIN, 1)
        ax.axvline(0.05, color="black", lw=1, ls="--", alpha=0.5, label="FPR = 5 %")
        ax.set_xlabel(
            f"False positive rate FP / (FP + TN), log scale (FPR = 0 drawn at {LOG_FPR_MIN:g})"
        )
    else:
        ax.set_xlim(0, 1)
        ax.set_xlabel("False positive rate FP / (FP + TN)")
    ax.set_ylim(0, 1)
    ax.set_ylabel("True positive rate TP / (TP + FN)")
    sizes = _sizes(run.results["model" if run.results.get("model") else "crowd"])
    scale = ", log FPR" if log_fpr else ""
    ax.set_title(
        f"ROC vs {run.catalogue_name} ({run.class_filter_label}{scale})\n{sizes}", fontsize=10
    )
    ax.grid(alpha=0.3)
    _legend_below(ax)
    return figure


def roc_log_figure(run: EvaluationRun) -> Figure:
    return roc_figure(run, log_fpr=True)


def threshold_figure(run: EvaluationRun) -> Figure:
    figure = _figure(6.4, 6.4)
    ax = figure.add_axes(THRESHOLD_AXES)
    for name, result in _scorers(run):
        grid = result["grid"]
        t = np.asarray(grid["threshold"])
        tp = np.asarray(grid["tp"], dtype=float)
        fp = np.asarray(grid["fp"], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            tpr = tp / result["positives"] if result["positives"] else tp * np.nan
            fpr = fp / result["negatives"] if result["negatives"] else fp * np.nan
            precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
        colour = COLOURS[name]
        ax.plot(t, tpr, color=colour, lw=2, label=f"{_label(run, name)}: TPR")
        ax.plot(t, fpr, color=colour, lw=2, ls="--", label=f"{_label(run, name)}: FPR")
        ax.plot(t, precision, color=colour, lw=1, ls=":", label=f"{_label(run, name)}: purity")
    ax.axvline(
        run.threshold, color="black", lw=1, alpha=0.6, label=f"run's threshold {run.threshold:g}"
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Threshold on the score (model probability or vote fraction)")
    ax.set_ylabel("Rate (fraction)")
    first = _scorers(run)[0][1]
    ax.set_title(f"TPR, FPR and purity vs threshold ({_sizes(first)})", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7, ncol=2, frameon=False)
    return figure


def reliability_figure(run: EvaluationRun) -> Figure:
    figure = _figure(6.4, 6.0)
    ax = figure.add_axes((0.13, 0.36, 0.82, 0.55))
    hist = figure.add_axes((0.13, 0.09, 0.82, 0.17), sharex=ax)
    ax.plot([0, 1], [0, 1], ls=":", color=COLOURS["ideal"], lw=1, label="perfectly calibrated")
    width = 0.1
    for offset, (name, result) in enumerate(_scorers(run)):
        rel = result.get("reliability")
        if not rel:
            continue
        mean = np.asarray([np.nan if v is None else v for v in rel["mean_score"]], dtype=float)
        frac = np.asarray(
            [np.nan if v is None else v for v in rel["fraction_positive"]], dtype=float
        )
        filled = np.isfinite(mean) & np.isfinite(
            frac
        )  # empty bins have no point (and break no line)
        ax.plot(
            mean[filled], frac[filled], "o-", color=COLOURS[name], clip_on=False,
            label=f"{_label(run, name)}: ECE {result['ece']:.3f}, Brier {result['brier']:.3f}",
        )  # fmt: skip
        edges = np.asarray(rel["edges"])
        hist.bar(
            edges[:-1] + offset * width / 2, rel["counts"], width=width / 2, align="edge",
            color=COLOURS[name], alpha=0.8,
        )  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Observed fraction of clusters")
    ax.set_title(f"Reliability diagram ({_sizes(_scorers(run)[0][1])})", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    _pyplot().setp(ax.get_xticklabels(), visible=False)
    hist.set_xlabel("Score (model probability or vote fraction), 10 bins")
    hist.set_ylabel("Subjects")
    return figure


def _matrix(ax: Any, matrix: list[list[int]], rows: list[str], cols: list[str], title: str) -> None:
    values = np.asarray(matrix, dtype=float)
    ax.imshow(values, cmap="Blues")
    top = values.max() if values.size else 0
    for (i, j), count in np.ndenumerate(values):
        ax.text(
            j, i, f"{int(count)}", ha="center", va="center", fontsize=9,
            color="white" if top and count > top / 2 else "black",
        )  # fmt: skip
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_title(title, fontsize=9)


def confusion_figure(run: EvaluationRun) -> Figure:
    scorers = _scorers(run)
    figure = _figure(4.2 * len(scorers), 8.0)
    five = run.results.get("confusion5", {})
    for column, (name, result) in enumerate(scorers):
        c = result["confusion"]
        ax = figure.add_subplot(2, len(scorers), column + 1)
        _matrix(
            ax, [[c["tp"], c["fn"]], [c["fp"], c["tn"]]], ["cluster", "not cluster"],
            ["called cluster", "called not"],
            f"{_label(run, name)} at threshold {result['threshold']:g}\n(truth rows, N = {result['n']})",
        )  # fmt: skip
        ax.set_ylabel("Truth (catalogue / experts)", fontsize=8)
        if five.get(name) is not None:
            ax5 = figure.add_subplot(2, len(scorers), len(scorers) + column + 1)
            _matrix(
                ax5, five[name], list(CLASS_LABELS), list(CLASS_LABELS),
                f"{_label(run, name)}: 5-class answers (N = {five.get(f'{name}_n', 0)})",
            )  # fmt: skip
            ax5.set_ylabel("Truth (experts)", fontsize=8)
            ax5.set_xlabel("Answer", fontsize=8)
    figure.tight_layout()
    return figure


def history_figure(run: EvaluationRun) -> Figure:
    figure = _figure()
    ax = figure.add_subplot()
    runs = [r for r in metric_history(run) if (r.results.get("model") or {}).get("auc") is not None]
    if runs:
        x = np.arange(len(runs))
        auc = np.asarray([r.results["model"]["auc"] for r in runs])
        low = np.asarray(
            [
                (r.results["model"].get("auc_ci") or [None])[0] or a
                for r, a in zip(runs, auc, strict=True)
            ]
        )
        high = np.asarray(
            [
                (r.results["model"].get("auc_ci") or [None, None])[1] or a
                for r, a in zip(runs, auc, strict=True)
            ]
        )
        ax.errorbar(
            x,
            auc,
            yerr=np.vstack([auc - low, high - auc]),
            fmt="o-",
            color=COLOURS["model"],
            capsize=3,
            label="model AUC (95 % bootstrap)",
        )
        tpr5 = [
            ((r.results["model"].get("tpr_at_fpr") or {}).get("fpr_05") or {}).get("tpr")
            for r in runs
        ]
        ax.plot(
            x,
            [np.nan if v is None else v for v in tpr5],
            "s--",
            color="#edae49",
            label="model TPR at FPR 5 %",
        )
        crowd = [(r.results.get("crowd") or {}).get("auc") for r in runs]
        ax.plot(
            x,
            [np.nan if v is None else v for v in crowd],
            "^:",
            color=COLOURS["crowd"],
            label="crowd AUC (same subjects)",
        )
        ax.set_xticks(
            x,
            [f"v{r.model_version_id}\n(N={r.counts.get('evaluated', 0)})" for r in runs],
            fontsize=8,
        )
    else:
        ax.text(
            0.5, 0.5, "No model evaluations yet", ha="center", va="center", transform=ax.transAxes
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Model version (subjects evaluated)")
    ax.set_ylabel("Metric value (fraction)")
    ax.set_title(
        f"Metric history vs {run.catalogue_name} ({run.class_filter_label}, {run.split})",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return figure


def training_figure(run: EvaluationRun) -> Figure:
    figure = _figure(6.4, 5.6)
    ax = figure.add_axes((0.12, 0.30, 0.76, 0.62))
    curve = run.model_version.curve if run.model_version is not None else []
    if curve:
        epochs = [point.get("epoch", i + 1) for i, point in enumerate(curve)]
        for key, colour, label in (
            ("train_loss", "#edae49", "training loss"),
            ("val_loss", "#00798c", "validation loss"),
        ):
            ax.plot(epochs, [p.get(key, np.nan) for p in curve], "o-", color=colour, label=label)
        ax.set_ylabel("Loss (cross-entropy, nats)")
        right = ax.twinx()
        right.plot(
            epochs,
            [p.get("val_auc", np.nan) for p in curve],
            "s--",
            color=COLOURS["model"],
            label="validation AUC",
        )
        right.set_ylim(0, 1.02)
        right.set_ylabel("Validation AUC")
        _legend_below(ax, extra=[right])
        ax.set_title(
            f"Training curve of model v{run.model_version_id} ({len(curve)} epochs)", fontsize=10
        )
    else:
        ax.text(0.5, 0.5, "No model in this run", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("Epoch")
    ax.grid(alpha=0.3)
    return figure


PLOTS: dict[str, tuple[str, Callable[[EvaluationRun], Figure]]] = {
    "roc": ("ROC curves", roc_figure),
    "roc_log": ("ROC curves, log false positive rate (the FPR < 5 % region)", roc_log_figure),
    "threshold": ("TPR / FPR / purity vs threshold", threshold_figure),
    "reliability": ("Reliability diagram", reliability_figure),
    "confusion": ("Confusion matrices", confusion_figure),
    "history": ("Metric history across model versions", history_figure),
    "training": ("Training curve", training_figure),
}


def plot_render(run: EvaluationRun, name: str, fmt: str) -> bytes:
    """The chart `name` of a succeeded run as `fmt` ("png" or "svg") bytes."""
    if name not in PLOTS or fmt not in FORMATS:
        raise KeyError(f"unknown plot {name}.{fmt}")
    figure = PLOTS[name][1](run)
    buffer = io.BytesIO()
    try:
        # No bbox_inches="tight": it would move the ROC axes away from ROC_AXES.
        figure.savefig(buffer, format=fmt, dpi=110 if fmt == "png" else None)
    finally:
        _pyplot().close(figure)
    return buffer.getvalue()
