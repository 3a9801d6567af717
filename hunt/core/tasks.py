"""Thin Celery tasks for the site's own health and its jobs."""

import os
import socket

from celery import shared_task

from hunt.core.jobs import job_task, jobs_sweep
from hunt.core.services import worker_ping_answer_record


# Idempotent (answering twice changes nothing), so a redelivered message is harmless.
@job_task()
def worker_ping_answer(ping_id: int) -> None:
    worker_ping_answer_record(ping_id=ping_id, hostname=socket.gethostname(), pid=os.getpid())


@shared_task(ignore_result=True, queue="default")
def jobs_sweep_task() -> dict[str, int]:
    """Run by celery beat every JOBS_SWEEP_SECONDS: fail jobs whose worker died or never came."""
    return jobs_sweep()
