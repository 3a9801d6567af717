"""The model page of the science dashboard: retrain button (admins), live progress, runs, versions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hunt.accounts.permissions import scientist_required
from hunt.learning.selectors import champion, model_versions, training_runs_recent


@scientist_required
def training(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "learning/training.html",
        {"runs": training_runs_recent(), "versions": model_versions()[:20], "champion": champion()},
    )
