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
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from hunt.celery import TASK_QUEUES
from hunt.classify.models import Workflow
from hunt.learning.models import ModelVersion, TrainingRun, model_storage
from hunt.learning.services import training_run_start
from tests.learning.conftest import TINY
from tests.workers import wait_until

ROOT = Path(__file__).resolve().parents[2]
AMQP = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# Fast beats for these tests: a silent run is stale after 6 s, and beat sweeps every 2 s.
FAST_JOBS = {
    "JOBS_HEARTBEAT_SECONDS": "1",
    "JOBS_STALE_AFTER_SECONDS": "6",
    "JOBS_SWEEP_SECONDS": "2",
}


def _worker(
    env: dict[str, str], pool: str = "solo", *, queue: str = "training", extra: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hunt", "worker", "-Q", queue, "--pool", pool,
         "--concurrency", "1", "--prefetch-multiplier", "1", "-n", f"killtest-{time.monotonic_ns()}@%h",
         "--loglevel", "WARNING", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _stop(worker: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def _model_files() -> list[str]:
    try:
        return sorted(model_storage().listdir("models")[1])
    except FileNotFoundError:
        return []


def _pool_children(parent: int) -> set[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def _training(run_pk: int, attempt: int) -> bool:
    run = TrainingRun.objects.get(pk=run_pk)
    return run.attempts == attempt and run.batch > 0


def _worker_env(broker: str = AMQP, **extra: str) -> dict[str, str]:
    database = settings.DATABASES["default"]
    models = settings.STORAGES["models"]["OPTIONS"]["location"]
    return {
        **os.environ,
        # The worker process must use the test database pytest-django created.
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_BROKER_URL": broker,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_MODELS_ROOT": str(models),
        **extra,
    }


def _start_long_run(
    workflow: Workflow, *, broker: str = AMQP, params: dict[str, Any] | None = None
) -> TrainingRun:
    """Queue a run that trains long enough to be killed mid-way."""
    connection.close()
    from hunt.celery import create_app

    app = create_app(broker_url=broker, main="hunt-kill-test")
    with app.connection_for_write() as channel:
        # Declared first: on a fresh broker the queue does not exist yet, and purging it would fail.
        for queue in TASK_QUEUES:
            queue.bind(channel.default_channel).declare()
            queue.bind(channel.default_channel).purge()
    app.set_current()
    app.set_default()
    try:
        return training_run_start(
            user=None, workflow=workflow, params=params or {**TINY, "epochs": 60, "patience": 60}
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


# Long enough predictions (Monte-Carlo samples) to kill the worker after its version row is saved.
SLOW_PREDICTIONS = {**TINY, "epochs": 1, "patience": 1, "mc_samples": 2000}


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killed_after_the_version_is_saved_the_redelivered_run_succeeds_with_one_version(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    run = _start_long_run(labelled_workflow(), params=SLOW_PREDICTIONS)
    env = _worker_env()
    first = _worker(env)
    try:
        # The version row exists, its predictions are being written: kill now.
        assert wait_until(
            lambda: ModelVersion.objects.filter(run_id=run.pk).exists(), timeout=90, every=0.05
        )
        _stop(first)
        assert not ModelVersion.objects.filter(is_champion=True).exists()  # nothing half-promoted
        second = _worker(env)
        try:
            started = time.monotonic()
            assert wait_until(
                lambda: TrainingRun.objects.get(pk=run.pk).status not in TrainingRun.ACTIVE,
                timeout=120,
            )
            assert time.monotonic() - started < 120
        finally:
            _stop(second, signal.SIGTERM)
    finally:
        _stop(first)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.attempts == 2
    version = ModelVersion.objects.get(run=run)
    assert version.complete
    assert version.is_champion
    assert _model_files() == [f"cnn-run{run.pk}-a2.pt"]
    assert [point["epoch"] for point in run.curve] == [1]


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("when", ["training", "predictions"])
def test_on_redis_a_killed_run_is_requeued_by_the_beat_sweeper_with_no_new_trigger(
    labelled_workflow: Callable[..., Workflow], tmp_path: Path, when: str
) -> None:
    params = SLOW_PREDICTIONS if when == "predictions" else None
    run = _start_long_run(labelled_workflow(), broker=REDIS, params=params)
    env = _worker_env(REDIS, **FAST_JOBS)
    trainer = _worker(env)
    # The default queue's worker with celery beat inside it: what `make worker` + beat run in production.
    beat = _worker(env, queue="default", extra=("-B", "-s", str(tmp_path / "beat-schedule")))
    restarted: subprocess.Popen[bytes] | None = None
    try:
        if when == "predictions":
            reached = lambda: ModelVersion.objects.filter(run_id=run.pk).exists()  # noqa: E731
        else:
            reached = lambda: TrainingRun.objects.get(pk=run.pk).batch > 0  # noqa: E731
        assert wait_until(reached, timeout=90, every=0.05)
        _stop(trainer)
        killed = time.monotonic()
        restarted = _worker(
            env
        )  # what a supervisor does; the dead run's message is not coming back
        # Redis does not give the message back within minutes: the sweeper on beat re-queues the run.
        assert wait_until(lambda: TrainingRun.objects.get(pk=run.pk).attempts == 2, timeout=120)
        elapsed = time.monotonic() - killed
        TrainingRun.objects.filter(pk=run.pk).update(cancel_requested=True)
        assert wait_until(
            lambda: TrainingRun.objects.get(pk=run.pk).status not in TrainingRun.ACTIVE,
            timeout=90,
        )
    finally:
        _stop(trainer)
        if restarted is not None:
            _stop(restarted, signal.SIGTERM)
        _stop(beat, signal.SIGTERM)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.CANCELLED
    assert elapsed < 120
    assert TrainingRun.objects.count() == 1  # no new trigger
    assert not ModelVersion.objects.exists()
    assert _model_files() == []


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_loss_mid_run_is_resolved_and_blocks_no_trigger(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow()
    run = _start_long_run(workflow, params={**TINY, "epochs": 8, "patience": 8})
    worker = _worker(_worker_env(**FAST_JOBS))
    try:
        assert wait_until(
            lambda: TrainingRun.objects.get(pk=run.pk).batch > 0, timeout=90, every=0.1
        )
        # What a PostgreSQL restart does to the worker: every connection but ours is cut.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        cut = time.monotonic()
        assert wait_until(
            lambda: TrainingRun.objects.get(pk=run.pk).status not in TrainingRun.ACTIVE,
            timeout=120,
        )
        elapsed = time.monotonic() - cut
    finally:
        _stop(worker, signal.SIGTERM)
    run.refresh_from_db()
    assert elapsed < 120
    # The beats that met the dead connection were skipped and the run went on.
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert ModelVersion.objects.get(run=run).complete
    # No 409 afterwards.
    assert training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
