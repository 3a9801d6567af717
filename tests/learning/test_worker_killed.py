"""Killing the training worker mid-run: the job is redelivered (RabbitMQ, acks_late + reject_on_worker_lost),
the run row counts the attempt and finishes, and the serving model is untouched until then.

Two kills: the whole worker (a crash, `kill -9`), and only the pool child that runs the job, which is what
the kernel's OOM killer picks on a prefork worker; the parent survives and must not lose the job either."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hunt.celery import TASK_QUEUES
from hunt.classify.models import Workflow
from hunt.learning.models import ModelVersion, TrainingRun
from hunt.learning.services import training_run_start
from tests.learning.conftest import TINY
from tests.workers import wait_until

ROOT = Path(__file__).resolve().parents[2]
AMQP = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _worker(env: dict[str, str], pool: str = "solo") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hunt", "worker", "-Q", "training", "--pool", pool,
         "--concurrency", "1", "--prefetch-multiplier", "1", "-n", f"killtest-{time.monotonic_ns()}@%h",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _pool_children(parent: int) -> set[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def _training(run_pk: int, attempt: int) -> bool:
    run = TrainingRun.objects.get(pk=run_pk)
    return run.attempts == attempt and run.batch > 0


def _worker_env() -> dict[str, str]:
    database = settings.DATABASES["default"]
    return {
        **os.environ,
        # The worker process must use the test database pytest-django created.
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": AMQP,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }


def _start_long_run(workflow: Workflow) -> TrainingRun:
    """Queue a run on RabbitMQ that trains long enough to be killed mid-way."""
    connection.close()
    from hunt.celery import create_app

    app = create_app(broker_url=AMQP, main="hunt-kill-test")
    with app.connection_for_write() as broker:
        # Declared first: on a fresh broker the queue does not exist yet, and purging it would fail.
        training = next(queue for queue in TASK_QUEUES if queue.name == "training")
        training.bind(broker.default_channel).declare()
        training.bind(broker.default_channel).purge()
    app.set_current()
    app.set_default()
    try:
        return training_run_start(
            user=None, workflow=workflow, params={**TINY, "epochs": 60, "patience": 60}
        )
    finally:
        from hunt.celery import app as main_app

        main_app.set_current()
        main_app.set_default()


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_no_run_and_leaves_the_serving_model_alone(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    run = _start_long_run(labelled_workflow())
    env = _worker_env()
    first = _worker(env)
    try:
        assert wait_until(
            lambda: TrainingRun.objects.get(pk=run.pk).batch > 0, timeout=90, every=0.2
        )
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker, as a crash or `kill -9` would
        first.wait(timeout=10)
        assert not ModelVersion.objects.exists()  # nothing half-promoted

        second = _worker(env)
        try:
            assert wait_until(
                lambda: TrainingRun.objects.get(pk=run.pk).attempts == 2, timeout=90, every=0.2
            )
            TrainingRun.objects.filter(pk=run.pk).update(
                cancel_requested=True
            )  # no need to train 60 epochs
            assert wait_until(
                lambda: TrainingRun.objects.get(pk=run.pk).status not in TrainingRun.ACTIVE,
                timeout=90,
            )
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    run.refresh_from_db()
    assert run.attempts == 2
    assert run.status == TrainingRun.Status.CANCELLED
    assert not ModelVersion.objects.exists()


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killing_the_pool_child_redelivers_the_job_and_the_attempts_cap_ends_it(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    run = _start_long_run(labelled_workflow())
    worker = _worker(_worker_env(), pool="prefork")
    try:
        for attempt in (1, 2):
            assert wait_until(partial(_training, run.pk, attempt), timeout=90, every=0.2)
            TrainingRun.objects.filter(pk=run.pk).update(batch=0)  # to see the next attempt start
            children = _pool_children(worker.pid)
            assert len(children) == 1, children
            os.kill(children.pop(), signal.SIGKILL)  # the OOM killer's choice: the busy child only
        # The parent survived both kills and got the job back a third time: the cap fails the run.
        assert wait_until(
            lambda: TrainingRun.objects.get(pk=run.pk).status not in TrainingRun.ACTIVE, timeout=90
        )
        assert worker.poll() is None
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert "gave up after 2 attempts" in run.error
    assert not ModelVersion.objects.exists()
