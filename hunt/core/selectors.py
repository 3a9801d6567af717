"""Reads for the site frame."""

from contextlib import suppress
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import QuerySet

from hunt.accounts.models import Volunteer
from hunt.classify.models import Classification, SubjectStatus
from hunt.core.models import WorkerPing
from hunt.evaluation.selectors import model_test_figures
from hunt.learning.selectors import champion
from hunt.subjects.models import Subject

# Counting a large classifications table on every page view is what makes a landing page slow; the numbers
# may be a minute old. Bump the version when the dictionary's shape changes so no process reads an old one.
STATISTICS_CACHE_KEY = "core:site_statistics:v3"
STATISTICS_TTL_S = 60

# The reported TPR is the one at this false-positive rate (the evaluation's fixed-FPR targets).
MODEL_FPR = 0.05


def _model_statistics() -> dict[str, Any] | None:
    """The serving model's figures on the locked test split against its reference catalogue, or None.

    Only an evaluation against truth is shown; the validation figures that chose the model are not a result.
    """
    model = champion()
    if model is None:
        return None
    figures = model_test_figures(model.pk)
    if figures is None or figures["tpr_at_5"] is None:
        return None
    return {
        **figures,
        "version": model.pk,
        "tpr": figures["tpr_at_5"],
        "fpr": MODEL_FPR,
        "promoted_at": model.promoted_at,
    }


def site_statistics_uncached() -> dict[str, Any]:
    return {
        "subjects": Subject.objects.count(),
        # A subject may sit in several workflows; it counts as retired once any workflow retired it.
        "retired": SubjectStatus.objects.filter(retired_at__isnull=False)
        .values("subject_id")
        .distinct()
        .count(),
        "classifications": Classification.objects.count(),
        # People who have classified, signed in or not (a visit alone makes a session identity, not a volunteer).
        "volunteers": Volunteer.objects.filter(classifications__isnull=False).distinct().count(),
        "accounts": get_user_model().objects.count(),
        "model": _model_statistics(),
    }


def site_statistics() -> dict[str, Any]:
    """Headline numbers for the landing, about and science pages, at most STATISTICS_TTL_S seconds old."""
    # The cache is an optimisation: when it is down (Redis restarting), the figures are computed afresh.
    stats: dict[str, Any] | None = None
    with suppress(Exception):
        stats = cache.get(STATISTICS_CACHE_KEY)
    if stats is None:
        stats = site_statistics_uncached()
        with suppress(Exception):
            cache.set(STATISTICS_CACHE_KEY, stats, STATISTICS_TTL_S)
    return stats


def worker_ping_recent(*, limit: int) -> QuerySet[WorkerPing]:
    return WorkerPing.objects.all()[:limit]
