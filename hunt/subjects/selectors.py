"""Reads of subjects and ingestion jobs."""

from django.db.models import QuerySet

from hunt.subjects.models import IngestJob


def ingest_job_recent(*, limit: int) -> QuerySet[IngestJob]:
    return IngestJob.objects.select_related("subject_set")[:limit]
