"""The model page of the science dashboard: retrain button (admins), live progress, runs, versions."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from hunt.accounts.permissions import admin_required, scientist_required
from hunt.evaluation.selectors import model_test_figures
from hunt.learning.models import ModelVersion, TrainingRun
from hunt.learning.selectors import (
    champion,
    model_version_action,
    model_versions,
    training_runs_recent,
    training_stages,
)


@scientist_required
def training(request: HttpRequest) -> HttpResponse:
    serving = champion()
    versions = [
        (version, model_test_figures(version.pk), model_version_action(version, serving))
        for version in model_versions()[:20]
    ]
    return render(
        request,
        "learning/training.html",
        {
            # Each run with its model's test evaluation (None before one ran, or without a model).
            "runs": [
                (run, model_test_figures(run.model_version.pk) if _has_version(run) else None)
                for run in training_runs_recent()
            ],
            "stages": training_stages(),
            "versions": versions,
            "champion": serving,
            "champion_test": model_test_figures(serving.pk) if serving else None,
        },
    )


def _has_version(run: TrainingRun) -> bool:
    try:
        return run.model_version is not None
    except ModelVersion.DoesNotExist:
        return False


@admin_required
def model_file(request: HttpRequest, pk: int) -> FileResponse:
    """A model's weights, for admins only: the file lives in private storage that no URL serves."""
    version = get_object_or_404(ModelVersion, pk=pk)
    if not version.file or not version.file.storage.exists(version.file.name):
        raise Http404("This model has no stored file.")
    response = FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
