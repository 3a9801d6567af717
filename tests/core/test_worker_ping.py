"""A task submitted by a service runs in a real worker, through Redis and through RabbitMQ."""

import os

import pytest

from hunt.core.models import WorkerPing
from hunt.core.services import worker_ping_start
from tests.workers import running_worker, wait_until

BROKERS = {
    "redis": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_a_real_worker_answers_a_ping_through_the_broker(broker: str) -> None:
    with running_worker(BROKERS[broker]):
        ping = worker_ping_start(user=None)
        assert ping.status == WorkerPing.Status.QUEUED

        answered = wait_until(
            lambda: WorkerPing.objects.get(pk=ping.pk).status == WorkerPing.Status.SUCCEEDED
        )

    assert answered, f"no worker answered the ping through {broker}"
    ping.refresh_from_db()
    assert ping.worker_hostname
    assert ping.worker_pid is not None
    assert ping.answered_at is not None
    assert ping.answered_at >= ping.created_at


@pytest.mark.django_db
def test_answering_a_ping_twice_keeps_the_first_answer() -> None:
    from hunt.core.services import worker_ping_answer_record

    ping = WorkerPing.objects.create(web_hostname="web", web_pid=1)
    first = worker_ping_answer_record(ping_id=ping.pk, hostname="worker-a", pid=10)
    second = worker_ping_answer_record(ping_id=ping.pk, hostname="worker-b", pid=20)

    assert second.worker_hostname == "worker-a"
    assert second.answered_at == first.answered_at
