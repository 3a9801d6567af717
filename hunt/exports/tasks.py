"""The export task: thin, safe to redeliver (the job is claimed per delivery and rebuilds its file)."""

from hunt.core.jobs import job_task
from hunt.exports import services


@job_task()
def export_job_execute(job_id: int) -> None:
    services.export_job_execute(job_id)
