"""The model page of the science dashboard: retrain button (admins), live progress, runs, versions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hunt.accounts.permissions import scientist_required
from hunt.evaluation.selectors import model_test_figures
from hunt.learning.selectors import champion, model_versions, training_runs_recent


@scientist_required
def training(request: HttpRequest) -> HttpResponse:
    serving = champion()
    versions = [(version, model_test_figures(version.pk)) for version in model_versions()[:20]]
    return render(
        request,
        "learning/training.html",
        {
            "runs": training_runs_recent(),
            "versions": versions,
            "champion": serving,
            "champion_test": model_test_figures(serving.pk) if serving else None,
        },
    )
