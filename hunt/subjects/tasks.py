from contextlib import suppress

from celery import shared_task

from hunt.subjects.ingestion import ingest_job_run
from hunt.subjects.models import IngestJob
from hunt.subjects.services import IngestError


# Not acks_late: a half-done ingestion rolls itself back, and re-running is safe (idempotent) but should be
# a person's decision, not an automatic redelivery loop on bad input.
@shared_task(ignore_result=True)
def ingest_job_execute(job_id: int) -> None:
    job = IngestJob.objects.get(pk=job_id)
    if job.status != IngestJob.Status.QUEUED:
        return
    # On bad input the job row holds the message (the admin shows it); nothing to retry.
    with suppress(IngestError):
        ingest_job_run(job)
