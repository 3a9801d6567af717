"""Thin Celery tasks for the site's own health."""

import os
import socket

from celery import shared_task

from hunt.core.services import worker_ping_answer_record


# Idempotent (answering twice changes nothing), so a redelivered message is harmless.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def worker_ping_answer(ping_id: int) -> None:
    worker_ping_answer_record(ping_id=ping_id, hostname=socket.gethostname(), pid=os.getpid())
