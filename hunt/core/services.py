"""Writes for the site's operational records."""

import os
import socket

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from hunt.core.jobs import JobStatus, job_claim, job_enqueue
from hunt.core.models import WorkerPing


def worker_ping_start(*, user: User | AnonymousUser | None) -> WorkerPing:
    """Record a ping and queue the task that answers it (hunt.core.jobs: a broker outage fails the row and
    raises JobUnavailable, a 503 for the API)."""
    ping = WorkerPing.objects.create(
        requested_by=user if user is not None and user.is_authenticated else None,
        web_hostname=socket.gethostname(),
        web_pid=os.getpid(),
    )
    job_enqueue(ping)
    return ping


@transaction.atomic
def worker_ping_answer_record(*, ping_id: int, hostname: str, pid: int) -> WorkerPing:
    """Mark a ping answered by the worker process `hostname`/`pid`; answering twice changes nothing."""
    ping = job_claim(WorkerPing, ping_id)
    if ping is None:
        return WorkerPing.objects.get(pk=ping_id)
    now = timezone.now()
    ping.status = JobStatus.SUCCEEDED
    ping.worker_hostname = hostname
    ping.worker_pid = pid
    ping.answered_at = ping.finished_at = now
    ping.save(
        update_fields=["status", "worker_hostname", "worker_pid", "answered_at", "finished_at"]
    )
    return ping
