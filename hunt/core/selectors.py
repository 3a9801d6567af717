"""Reads for the site frame."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import QuerySet

from hunt.accounts.models import Volunteer
from hunt.classify.models import Classification, SubjectStatus
from hunt.core.models import WorkerPing
from hunt.learning.selectors import champion
from hunt.subjects.models import Subject

# Counting a large classifications table on every page view is what makes a landing page slow; the numbers
# may be a minute old. Bump the version when the dictionary's shape changes so no process reads an old one.
STATISTICS_CACHE_KEY = "core:site_statistics:v2"
STATISTICS_TTL_S = 60

# The held-out metrics store TPR at this false-positive rate (ml.learning.metrics.tpr_at_fpr).
MODEL_FPR = 0.05


def _model_statistics() -> dict[str, Any] | None:
    """The serving (champion) model's held-out AUC and TPR at 5 % FPR, or None without one or without AUC."""
    model = champion()
    if model is None:
        return None
    metrics = model.heldout_metrics or {}
    auc = metrics.get("auc")
    if auc is None:  # held-out set had one class only: nothing honest to show
        return None
    tpr = metrics.get("tpr_at_fpr_005")
    return {
        "version": model.pk,
        "auc": float(auc),
        "tpr": None if tpr is None else float(tpr),
        "fpr": MODEL_FPR,
        "heldout_n": metrics.get("n"),
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
    stats: dict[str, Any] | None = cache.get(STATISTICS_CACHE_KEY)
    if stats is None:
        stats = site_statistics_uncached()
        cache.set(STATISTICS_CACHE_KEY, stats, STATISTICS_TTL_S)
    return stats


def worker_ping_recent(*, limit: int) -> QuerySet[WorkerPing]:
    return WorkerPing.objects.all()[:limit]
