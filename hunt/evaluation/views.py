"""The evaluation dashboard (scientists and admins), its charts and its downloads."""

from typing import Any

from csp.decorators import csp_update
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from hunt.accounts.permissions import scientist_required
from hunt.catalogues.models import ReferenceCatalogue
from hunt.evaluation.compute import SCORERS
from hunt.evaluation.downloads import DOWNLOADS, download_render
from hunt.evaluation.downloads import FORMATS as DATA_FORMATS
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.plots import FORMATS as PLOT_FORMATS
from hunt.evaluation.plots import LOG_FPR_MIN, PLOTS, ROC_AXES, THRESHOLD_AXES, plot_render
from hunt.evaluation.selectors import (
    catalogue_default,
    evaluation_run_latest,
    evaluation_runs,
    metric_history,
)
from hunt.learning.domains import input_warnings
from hunt.learning.selectors import champion
from hunt.subjects.labels import NEGATIVE_CLASSES


def _slider_data(run: EvaluationRun) -> dict[str, Any]:
    """What the threshold slider needs, per scorer: the grid counts and the class totals."""
    data: dict[str, Any] = {
        "axes": ROC_AXES, "threshold_axes": THRESHOLD_AXES, "log_fpr_min": LOG_FPR_MIN,
        "threshold": run.threshold, "scorers": {},
    }  # fmt: skip
    for name in SCORERS:
        result = run.results.get(name)
        if result:
            data["scorers"][name] = {
                "positives": result["positives"],
                "negatives": result["negatives"],
                "tp": result["grid"]["tp"],
                "fp": result["grid"]["fp"],
                "steps": len(result["grid"]["threshold"]) - 1,
            }
    return data


def _page(request: HttpRequest, run: EvaluationRun | None) -> HttpResponse:
    context: dict[str, Any] = {
        "run": run,
        "runs": evaluation_runs(limit=15),
        "catalogues": ReferenceCatalogue.objects.order_by("name", "-created_at"),
        "default_catalogue": catalogue_default(),
        "champion": champion(),
        "plots": [(key, title) for key, (title, _figure) in PLOTS.items()],
        "downloads": [(key, title) for key, (title, _) in DOWNLOADS.items()],
    }
    if run is not None and run.status == EvaluationRun.Status.SUCCEEDED:
        context["slider"] = _slider_data(run)
        context["scorers"] = [(n, run.results[n]) for n in SCORERS if run.results.get(n)]
        context["history"] = [
            {
                "run": other,
                "tpr_at_5": ((other.results.get("model") or {}).get("tpr_at_fpr") or {})
                .get("fpr_05", {})
                .get("tpr"),
            }
            for other in metric_history(run)
        ]
        context["strata"] = run.results.get("strata", {})
        if run.model_version_id is not None:
            # Imported here: it pulls in the benchmark's FITS and rendering stack, which only this page needs.
            from hunt.evaluation.real_data import real_benchmark

            context["real"] = real_benchmark(run.model_version_id)
            version = run.model_version
            trained = (version.selection_metrics or {}).get("training_inputs") if version else None
            if trained:
                context["input_warnings"] = input_warnings(
                    trained, list(run.workflow.subject_sets.all()), run.model_version_id
                )
        context["negative_kinds"] = sorted(
            {kind for _, r in context["scorers"] for kind in r.get("negatives_by_class") or {}},
            key=lambda kind: (*NEGATIVE_CLASSES, "unclassified").index(kind),
        )
    return render(request, "evaluation/dashboard.html", context)


@require_GET
@scientist_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return _page(request, evaluation_run_latest())


@require_GET
@scientist_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        EvaluationRun.objects.defer("scores").select_related("model_version"), pk=pk
    )
    return _page(request, run)


def _succeeded(pk: int, *, with_scores: bool = False) -> EvaluationRun:
    runs = EvaluationRun.objects.select_related("model_version")
    if not with_scores:
        runs = runs.defer("scores")
    run = get_object_or_404(runs, pk=pk)
    if run.status != EvaluationRun.Status.SUCCEEDED:
        raise Http404(f"evaluation #{pk} has no results ({run.status})")
    return run


@require_GET
@scientist_required
# matplotlib's SVG carries its own <style> element: allowed in the plot document only (no script runs in it).
@csp_update({"style-src": ["'self'", "'unsafe-inline'"]})  # type: ignore[arg-type]
def plot(request: HttpRequest, pk: int, name: str, fmt: str) -> HttpResponse:
    if name not in PLOTS or fmt not in PLOT_FORMATS:
        raise Http404("no such chart")
    run = _succeeded(pk)
    response = HttpResponse(plot_render(run, name, fmt), content_type=PLOT_FORMATS[fmt])
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="evaluation-{pk}-{name}.{fmt}"'
    # A finished run never changes: its charts may be cached by the browser.
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_GET
@scientist_required
def download(request: HttpRequest, pk: int, what: str, fmt: str) -> HttpResponse:
    if what not in DOWNLOADS or fmt not in DATA_FORMATS:
        raise Http404("no such download")
    run = _succeeded(pk, with_scores=what == "scores")
    response = HttpResponse(download_render(run, what, fmt), content_type=DATA_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="evaluation-{pk}-{what}.{fmt}"'
    return response
