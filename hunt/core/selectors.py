"""Reads for the site frame."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from hunt.accounts.models import Volunteer
from hunt.core.models import WorkerPing


def site_statistics() -> dict[str, int]:
    """Headline numbers for the landing and about pages (later issues add subjects and classifications)."""
    return {
        "volunteers": Volunteer.objects.count(),
        "accounts": get_user_model().objects.count(),
    }


def worker_ping_recent(*, limit: int) -> QuerySet[WorkerPing]:
    return WorkerPing.objects.all()[:limit]
