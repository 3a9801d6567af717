"""Operational records of the site itself."""

from datetime import timedelta

from django.conf import settings
from django.db import models

from hunt.core.jobs import Job


class WorkerPing(Job):
    """A round trip through the broker to a worker: proves the background machinery is alive.

    The row is the source of truth (not a Celery result backend): the page polls it, and it survives a
    broker flush. A ping is a job like any other: queued, then succeeded when a worker answers, or failed by
    the sweeper when none does within QUEUE_TIMEOUT.
    """

    JOB_TASK = "hunt.core.tasks.worker_ping_answer"
    MAX_ATTEMPTS = 3
    QUEUE_TIMEOUT = timedelta(minutes=2)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    queue = models.CharField(max_length=50, default="default")
    web_hostname = models.CharField(max_length=255)
    web_pid = models.PositiveIntegerField()
    worker_hostname = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Worker ping #{self.pk} ({self.status})"

    @property
    def round_trip_ms(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.created_at).total_seconds() * 1000
