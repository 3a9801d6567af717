"""Operational records of the site itself."""

from django.conf import settings
from django.db import models


class WorkerPing(models.Model):
    """A round trip through the broker to a worker: proves the background machinery is alive.

    The row is the source of truth (not a Celery result backend): the page polls it, and it survives a
    broker flush.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Answered"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    queue = models.CharField(max_length=50, default="default")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    web_hostname = models.CharField(max_length=255)
    web_pid = models.PositiveIntegerField()
    worker_hostname = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
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
