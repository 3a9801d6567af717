"""The ingestion task: thin (hunt.subjects.ingestion.ingest_job_execute does the work)."""

from hunt.core.jobs import job_task
from hunt.subjects import ingestion


# A redelivery (the worker died mid-ingestion) fails the job with a clear message instead of re-running it:
# IngestJob.MAX_ATTEMPTS is 1, since a file that kills its worker would otherwise loop, and a half-done
# ingestion rolls itself back, so re-running is safe but a person's decision.
@job_task()
def ingest_job_execute(job_id: int) -> None:
    ingestion.ingest_job_execute(job_id)
