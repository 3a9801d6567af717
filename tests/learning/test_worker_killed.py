"""Killing the training worker mid-run: the job is redelivered (RabbitMQ, acks_late + reject_on_worker_lost),
the run row counts the attempt and finishes, and the serving model is untouched until then."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hunt.classify.models import Workflow
from hunt.learning.models import ModelVersion, TrainingRun
from hunt.learning.services import training_run_start
from tests.learning.conftest import TINY
from tests.workers import wait_until

ROOT = Path(__file__).resolve().parents[2]
AMQP = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hunt", "worker", "-Q", "training", "--pool", "solo",
         "--prefetch-multiplier", "1", "-n", f"killtest-{time.monotonic_ns()}@%h", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_no_run_and_leaves_the_serving_model_alone(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow()
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        # The worker process must use the test database pytest-django created.
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": AMQP,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    connection.close()
    from hunt.celery import create_app

    app = create_app(broker_url=AMQP, main="hunt-kill-test")
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge("training")
    app.set_current()
    app.set_default()
    try:
        run = training_run_start(
            user=None, workflow=workflow, params={**TINY, "epochs": 60, "patience": 60}
        )
    finally:
        from hunt.celery import app as main_app

        main_app.set_current()
        main_app.set_default()
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
