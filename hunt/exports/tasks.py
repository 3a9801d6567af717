"""The export task: thin, safe to redeliver (it rebuilds the file from scratch)."""

from celery import shared_task

from hunt.exports.models import ExportJob


# acks_late + reject_on_worker_lost: an export whose worker dies is delivered again; the job row counts
# attempts, so a file that kills its worker cannot loop forever.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def export_job_execute(job_id: int) -> None:
    from hunt.exports.services import export_job_run

    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        return
    export_job_run(job)
