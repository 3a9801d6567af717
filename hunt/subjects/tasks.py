"""The ingestion task: thin (hunt.subjects.ingestion.ingest_job_execute does the work)."""

from hunt.core.jobs import job_task
from hunt.subjects import ingestion


# A redelivery (the worker died mid-ingestion) runs the job again, once (IngestJob.MAX_ATTEMPTS): the claim
# removes the dead attempt's files first.
@job_task()
def ingest_job_execute(job_id: int) -> None:
    ingestion.ingest_job_execute(job_id)
