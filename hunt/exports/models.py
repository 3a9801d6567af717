"""Export jobs: large or binary exports built by a worker, kept until someone deletes them.

The job row is the source of truth for the progress bar (the page polls it) and for the download: the file is
served through an authenticated URL (`/api/exports/jobs/<id>/download/`) that never expires.
"""

import uuid
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

from hunt.core.jobs import CountedJob


class _ExportStorage(LazyObject):
    """The private "exports" storage (settings.STORAGES, outside the served media), else the default.

    Exports hold user names and hashed addresses, so no URL serves them directly: downloads go through the
    export views, which check who asks. File names carry a random part as a second line of defence. Lazy, and
    reset when settings.STORAGES changes, so the field never holds on to a storage picked too early.
    """

    def _setup(self) -> None:
        self._wrapped = storages["exports"] if "exports" in settings.STORAGES else default_storage


_export_storage = _ExportStorage()


def export_storage() -> Storage:
    return cast(Storage, _export_storage)


@receiver(setting_changed)
def _export_storage_reset(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _export_storage._wrapped = empty  # type: ignore[assignment]


def export_upload_to(job: "ExportJob", filename: str) -> str:
    return f"exports/{uuid.uuid4().hex}/{filename}"


class ExportJob(CountedJob):
    JOB_TASK = "hunt.exports.tasks.export_job_execute"
    # It rebuilds the file from scratch, so a third delivery is cheap; a file that kills its worker stops there.
    MAX_ATTEMPTS = 3
    # Attempts are idempotent: the sweeper re-queues a dead one while attempts are left.
    REQUEUE_DEAD = True

    class Kind(models.TextChoices):
        CLASSIFICATIONS = "classifications", "Classifications"
        SUBJECTS = "subjects", "Per-subject table"
        SNAPSHOT = "snapshot", "Label snapshot"

    class Layout(models.TextChoices):
        FLAT = "flat", "Flat CSV (one column per field)"
        PANOPTES = "panoptes", "Zooniverse Panoptes layout"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        ECSV = "ecsv", "ECSV (units and types kept)"
        FITS = "fits", "FITS binary table"
        VOTABLE = "votable", "VOTable"
        PARQUET = "parquet", "Parquet"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    layout = models.CharField(max_length=10, choices=Layout.choices, blank=True)
    file_format = models.CharField(max_length=10, choices=Format.choices, default=Format.CSV)
    filters = models.JSONField(default=dict, blank=True, help_text="The filters, as submitted.")
    snapshot = models.ForeignKey(
        "learning.LabelSnapshot", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(
        upload_to=export_upload_to, storage=export_storage, max_length=300, blank=True
    )
    file_name = models.CharField(max_length=200, blank=True, help_text="Name offered on download.")
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"Export #{self.pk} {self.kind} {self.file_format} ({self.status})"

    @classmethod
    def job_swept(cls, pks: list[int]) -> None:
        for job in cls.objects.filter(pk__in=pks).exclude(file=""):
            job.file.delete(save=True)  # an attempt's file, never served (the job did not succeed)
