"""Writes for the site's operational records."""

import os
import socket

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from hunt.core.models import WorkerPing


@transaction.atomic
def worker_ping_start(*, user: User | AnonymousUser | None) -> WorkerPing:
    """Record a ping and queue the task that answers it, once the row is committed."""
    from hunt.core.tasks import worker_ping_answer

    ping = WorkerPing.objects.create(
        requested_by=user if user is not None and user.is_authenticated else None,
        web_hostname=socket.gethostname(),
        web_pid=os.getpid(),
    )
    worker_ping_answer.delay_on_commit(ping.pk)
    return ping


@transaction.atomic
def worker_ping_answer_record(*, ping_id: int, hostname: str, pid: int) -> WorkerPing:
    """Mark a ping answered by the worker process `hostname`/`pid`; answering twice changes nothing."""
    ping = WorkerPing.objects.select_for_update().get(pk=ping_id)
    if ping.status == WorkerPing.Status.QUEUED:
        ping.status = WorkerPing.Status.DONE
        ping.worker_hostname = hostname
        ping.worker_pid = pid
        ping.answered_at = timezone.now()
        ping.save(update_fields=["status", "worker_hostname", "worker_pid", "answered_at"])
    return ping
