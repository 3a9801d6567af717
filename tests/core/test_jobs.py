"""The job framework (hunt.core.jobs) on the real database and brokers: enqueue with the broker down, claim,
cancel without a worker, and the sweeper that celery beat runs."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hunt.classify.models import Workflow
from hunt.core.jobs import (
    JobRun,
    JobStatus,
    counted_job_execute,
    counted_percent,
    job_cancel,
    job_claim,
    job_create_exclusive,
    job_heartbeat,
    job_models,
    jobs_sweep,
)
from hunt.core.models import WorkerPing
from hunt.core.tasks import jobs_sweep_task
from hunt.exports.models import ExportJob
from hunt.morphology.models import MorphologyRun
from hunt.subjects.models import IngestJob
from tests.subjects.test_ingest_api import PAYLOAD


@contextmanager
def broker_down() -> Iterator[None]:
    """The current Celery app pointed at a port where no broker listens (a real connection refusal)."""
    from hunt.celery import app as main_app
    from hunt.celery import create_app

    unreachable = create_app(broker_url="redis://127.0.0.1:9/0", main="hunt-no-broker")
    unreachable.set_current()
    unreachable.set_default()
    try:
        yield
    finally:
        main_app.set_current()
        main_app.set_default()


def _post(client: Client, url: str, payload: dict[str, Any]) -> Any:
    return client.post(url, payload, content_type="application/json")


def _assert_503(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) == settings.API_RETRY_AFTER_SECONDS
    body = response.json()
    assert body["code"] == "job_queue_unavailable"
    assert "unreachable" in body["detail"]


@pytest.mark.django_db
def test_every_model_with_a_background_job_uses_the_framework() -> None:
    names = {model.__name__ for model in job_models()}
    assert names == {
        "TrainingRun", "EvaluationRun", "ExportJob", "IngestJob", "WorkerPing", "EmbeddingRun",
        "MorphologyRun",
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "payload", "model"),
    [
        ("api-worker-pings", {}, WorkerPing),
        ("api-export-jobs", {"kind": "classifications", "layout": "flat"}, ExportJob),
        ("api-ingest-jobs", PAYLOAD, IngestJob),
        ("api-morphology-runs", {}, MorphologyRun),
    ],
    ids=["ping", "export", "ingest", "morphology"],
)
def test_broker_down_at_trigger_is_a_503_with_retry_after_and_a_failed_row_then_recovers(
    staff_client: Client, url: str, payload: dict[str, Any], model: Any
) -> None:
    Workflow.objects.update_or_create(slug="hunt", defaults={"name": "The Hunt", "active": True})
    with broker_down():
        response = _post(staff_client, reverse(url), payload)
    _assert_503(response)
    row = model.objects.get()
    assert row.status == JobStatus.FAILED
    assert "broker is unreachable" in row.error
    assert row.finished_at is not None

    # The broker is back (the test settings' Redis): the same trigger is accepted.
    again = _post(staff_client, reverse(url), payload)
    assert again.status_code == 202, again.content
    assert model.objects.get(pk=again.json()["id"]).status == JobStatus.QUEUED


def _ping(**fields: Any) -> WorkerPing:
    return WorkerPing.objects.create(web_hostname="web", web_pid=1, **fields)


@pytest.mark.django_db
def test_the_claim_counts_attempts_on_the_locked_row_and_gives_up_past_the_cap() -> None:
    ping = _ping()
    claims = [job_claim(WorkerPing, ping.pk) for _ in range(WorkerPing.MAX_ATTEMPTS + 1)]
    assert [c.attempts if c else None for c in claims] == [1, 2, 3, None]
    ping.refresh_from_db()
    assert ping.status == JobStatus.FAILED
    assert "gave up after 3 attempts" in ping.error
    assert job_claim(WorkerPing, ping.pk) is None  # a finished job is never re-run


@pytest.mark.django_db
def test_a_superseded_attempt_can_no_longer_write() -> None:
    ping = _ping()
    first = job_claim(WorkerPing, ping.pk)
    second = job_claim(WorkerPing, ping.pk)  # the message came back: attempt 2 owns the job now
    assert first is not None
    assert second is not None
    assert not job_heartbeat(first)
    assert job_heartbeat(second)


@pytest.mark.django_db
def test_cancel_is_effective_at_once_even_with_no_worker() -> None:
    queued, running = _ping(), _ping()
    claimed = job_claim(WorkerPing, running.pk)
    assert claimed is not None
    assert job_cancel(queued).status == JobStatus.CANCELLED
    assert job_cancel(running).status == JobStatus.CANCELLED
    assert not job_heartbeat(claimed)  # a live worker learns it at its next beat, and stops
    assert job_claim(WorkerPing, queued.pk) is None  # a late delivery does nothing


@pytest.mark.django_db
def test_the_beat_sweeper_fails_silent_and_never_picked_up_jobs() -> None:
    now = timezone.now()
    silent = _ping()
    job_claim(WorkerPing, silent.pk)
    alive = _ping()
    job_claim(WorkerPing, alive.pk)
    WorkerPing.objects.filter(pk=silent.pk).update(heartbeat_at=now - timedelta(minutes=5))
    forgotten = _ping()
    WorkerPing.objects.filter(pk=forgotten.pk).update(created_at=now - timedelta(minutes=10))
    fresh = _ping()

    counts = jobs_sweep_task()  # what celery beat runs every JOBS_SWEEP_SECONDS

    assert counts["WorkerPing"] == 2
    states = {p.pk: p for p in WorkerPing.objects.all()}
    assert states[silent.pk].status == JobStatus.FAILED
    assert "stopped reporting" in states[silent.pk].error
    assert states[forgotten.pk].status == JobStatus.FAILED
    assert "no worker picked the job up" in states[forgotten.pk].error
    assert states[alive.pk].status == JobStatus.RUNNING
    assert states[fresh.pk].status == JobStatus.QUEUED
    assert jobs_sweep()["WorkerPing"] == 0


def test_the_sweeper_is_on_the_beat_schedule_independent_of_triggers() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-dead-jobs"]
    assert entry["task"] == "hunt.core.tasks.jobs_sweep_task"
    assert entry["schedule"] == settings.JOBS_SWEEP_SECONDS
    # A dead job is resolved within stale + sweep seconds: under the two minutes promised.
    assert settings.JOBS_STALE_AFTER_SECONDS + settings.JOBS_SWEEP_SECONDS <= 120
    assert settings.JOBS_HEARTBEAT_SECONDS * 3 <= settings.JOBS_STALE_AFTER_SECONDS


def test_a_counted_job_reads_its_share_done_and_full_once_succeeded() -> None:
    assert counted_percent(JobStatus.RUNNING, 3, 12) == 25.0
    assert counted_percent(JobStatus.QUEUED, 0, 0) == 0.0
    assert counted_percent(JobStatus.RUNNING, 15, 12) == 100.0  # a redelivered attempt may recount
    assert (
        counted_percent(JobStatus.SUCCEEDED, 10, 12) == 100.0
    )  # skipped items do not stop the bar short


@pytest.mark.django_db(transaction=True)
def test_a_counted_job_records_its_count_its_error_or_its_cancellation() -> None:
    def work(run: MorphologyRun, attempt: JobRun) -> int:
        attempt.beat(total=7)
        attempt.beat(done=3)
        return 7

    run = counted_job_execute(MorphologyRun, MorphologyRun.objects.create().pk, work)
    assert run is not None
    run.refresh_from_db()
    assert (run.status, run.total, run.done, run.percent) == (JobStatus.SUCCEEDED, 7, 7, 100.0)
    # A finished job is not claimed again: nothing to do for a redelivered message.
    assert counted_job_execute(MorphologyRun, run.pk, work) is None

    def broken(run: MorphologyRun, attempt: JobRun) -> int:
        raise ValueError("no X-ray cutouts")

    failed = counted_job_execute(MorphologyRun, MorphologyRun.objects.create().pk, broken)
    assert failed is not None
    failed.refresh_from_db()
    assert (failed.status, failed.error) == (JobStatus.FAILED, "ValueError: no X-ray cutouts")

    def cancelled_meanwhile(run: MorphologyRun, attempt: JobRun) -> int:
        job_cancel(MorphologyRun.objects.get(pk=run.pk))  # an admin's cancel, from another request
        attempt.beat(done=1)  # the next beat finds the job gone from this attempt
        return 1

    stopped = counted_job_execute(
        MorphologyRun, MorphologyRun.objects.create().pk, cancelled_meanwhile
    )
    assert stopped is not None
    stopped.refresh_from_db()
    assert stopped.status == JobStatus.CANCELLED
    assert stopped.error == ""


class _Busy(Exception):
    def __init__(self, run: MorphologyRun) -> None:
        super().__init__(f"#{run.pk} is active")
        self.run = run


@pytest.mark.django_db(transaction=True)
def test_one_active_job_at_a_time_even_when_the_insert_loses_a_race() -> None:
    first = job_create_exclusive(MorphologyRun, MorphologyRun.objects.create, _Busy)
    with pytest.raises(_Busy) as refused:
        job_create_exclusive(MorphologyRun, MorphologyRun.objects.create, _Busy)
    assert refused.value.run == first
    first.status = JobStatus.SUCCEEDED
    first.save()

    # Another request inserts its job between the check and this insert: the unique index refuses this
    # one, and the caller is told about the other request's job, not handed an IntegrityError.
    rival: list[MorphologyRun] = []

    def create_after_a_rival() -> MorphologyRun:
        rival.append(MorphologyRun.objects.create())
        return MorphologyRun.objects.create()

    with pytest.raises(_Busy) as raced:
        job_create_exclusive(MorphologyRun, create_after_a_rival, _Busy)
    assert raced.value.run == rival[0]
    assert MorphologyRun.objects.filter(status__in=("queued", "running")).count() == 1
