"""One job framework for every background job: training, evaluation, exports, ingestion and worker pings.

A job is a row (the source of truth for progress, outcome and errors, polled by pages and shown in the
admin) plus a Celery message that names it. The life of a job:

    queued --claim--> running --(heartbeats)--> succeeded / failed (error) / cancelled

- **Enqueue** (`job_enqueue`): the message is sent once the row is committed. A broker that cannot be reached
  fails the row at once with a clear message and raises `JobUnavailable`, which the API answers with 503 JSON
  and a Retry-After header (hunt.core.errors). Tasks are sent by name, so services never import tasks.
- **Claim** (`job_claim`): under a row lock, once per delivery. A finished job is never re-run (a redelivered
  message does nothing); a delivery of a job already `running` means its worker died (acks_late +
  reject_on_worker_lost gave the message back): it counts another attempt, and past the model's
  `MAX_ATTEMPTS` the job fails instead of looping. The attempt number is the job's ownership token: every
  later write of that worker (`job_heartbeat`, `job_finish`) is guarded on it, so a superseded, cancelled or
  swept attempt can no longer write, and it learns so from the answer.
- **Heartbeat** (`job_running`): a thread beats every JOBS_HEARTBEAT_SECONDS while the job runs (its own
  database connection), whatever phase the job is in; a job run inside a transaction (tests, or a caller's
  transaction) beats from its own progress reports instead.
- **Cancel** (`job_cancel`): effective at once even when the worker is gone: the row becomes `cancelled`; a
  live worker sees it at its next heartbeat and stops.
- **Sweep** (`jobs_sweep`, on celery beat every JOBS_SWEEP_SECONDS, independent of any new trigger): a running
  job silent for its `stale_after()` is dead. It is re-queued (its message sent again) when its model's
  attempts are idempotent (`REQUEUE_DEAD`) and below `MAX_ATTEMPTS`, else failed; either way `job_swept`
  removes what the dead attempt left. A queued job nobody picked up within its `queue_timeout()` (counted
  from its creation or its re-queueing) is failed. A broker that kills workers without giving their message
  back (Redis' visibility timeout is an hour) thus still ends each job within stale + sweep seconds.
- **Failure** (`job_fail`): survives a dead database connection: the connection is closed and the write
  retried for a while; if the database stays away, the sweeper fails the job later.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from celery import current_app, shared_task
from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    models,
    transaction,
)
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

J = TypeVar("J", bound="Job")

# Errors that say "the database is away", not "this job is wrong": the claim is retried later for these.
DATABASE_DOWN = (OperationalError, InterfaceError)


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


def counted_percent(status: str, done: int, total: int) -> float:
    """A job that counts its items (`done` of `total`): the progress bar's percent. A succeeded job reads
    100 even when it skipped items (a refused duplicate, an empty chunk), so no bar stops short of full."""
    if status == JobStatus.SUCCEEDED:
        return 100.0
    return min(100.0, 100.0 * done / total) if total else 0.0


class Job(models.Model):
    """The fields every background job has; a concrete job names its task and tunes its limits."""

    Status = JobStatus
    ACTIVE = ACTIVE

    # The Celery task (by name) that runs the job, and its queue.
    JOB_TASK: ClassVar[str] = ""
    JOB_QUEUE: ClassVar[str] = "default"
    # Deliveries before the job is given up (a worker that dies on it each time).
    MAX_ATTEMPTS: ClassVar[int] = 2
    # A queued job nobody picked up this long is failed by the sweeper.
    QUEUE_TIMEOUT: ClassVar[timedelta] = timedelta(minutes=60)
    # Attempts are idempotent (a re-run after a dead one gives the same result, leaves nothing twice): the
    # sweeper re-queues a dead job while attempts are left instead of failing it.
    REQUEUE_DEAD: ClassVar[bool] = False

    status = models.CharField(
        max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Deliveries claimed; a worker killed mid-job makes another."
    )
    cancel_requested = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @classmethod
    def stale_after(cls) -> timedelta:
        """Silence this long means the worker is gone (it beats every JOBS_HEARTBEAT_SECONDS)."""
        return timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)

    @classmethod
    def queue_timeout(cls) -> timedelta:
        return cls.QUEUE_TIMEOUT

    @classmethod
    def job_swept(cls, pks: list[int]) -> None:
        """Called with the jobs the sweeper just failed: remove what their dead attempts left behind."""


class CountedJob(Job):
    """A job that counts its items as it goes: `done` of `total`, and the progress bar's percent."""

    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def percent(self) -> float:
        return counted_percent(self.status, self.done, self.total)


class JobUnavailable(Exception):
    """The job could not be queued (the broker is unreachable); its row is failed, never left queued."""

    retry_after = 30


# --- Create ------------------------------------------------------------------------------------------


def job_create_exclusive(
    model: type[J], create: Callable[[], J], refuse: Callable[[J], Exception]
) -> J:
    """``create()`` the one active job of ``model``, or raise ``refuse(active)`` when one is active.

    The check is a courtesy for the usual case; the model's partial unique index on its active rows is the
    guarantee, so an insert that loses the race to another request also ends in ``refuse`` (with that
    request's job), never in a second active job or a bare IntegrityError.
    """
    active = model.objects.filter(status__in=ACTIVE).first()  # type: ignore[attr-defined]
    if active is not None:
        raise refuse(active)
    try:
        return create()
    except IntegrityError as error:
        active = model.objects.filter(status__in=ACTIVE).first()  # type: ignore[attr-defined]
        if active is None:
            raise
        raise refuse(active) from error


# --- Enqueue -----------------------------------------------------------------------------------------


def job_enqueue(job: Job) -> None:
    """Send the job's task once its row is committed; a broker outage fails the row.

    Outside a transaction the message is sent now and `JobUnavailable` is raised on failure (an API answers
    503). Inside a caller's transaction it is sent on commit; a failure then fails the row and is logged.
    """
    if _in_transaction():
        transaction.on_commit(partial(_send, type(job), job.pk), robust=True)
    else:
        _send(type(job), job.pk)


def _in_transaction() -> bool:
    """In a transaction of our own code; a test case's wrapping transaction does not count (its rows are
    as good as committed for the code under test, and it never commits)."""
    blocks = transaction.get_connection().atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


def _send(model: type[Job], pk: int) -> None:
    try:
        current_app.send_task(model.JOB_TASK, args=[pk], queue=model.JOB_QUEUE, retry=False)
    except (
        Exception
    ) as error:  # kombu raises transport-specific errors when the broker is unreachable
        message = (
            f"could not queue the job: the broker is unreachable ({type(error).__name__}: {error}); "
            "try again when it is back"
        )
        logger.error("%s #%s: %s", model.__name__, pk, message)
        model._default_manager.filter(pk=pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED, finished_at=timezone.now(), error=message
        )
        raise JobUnavailable(f"the job queue is unreachable: {error}") from error


# --- Claim, heartbeat, finish --------------------------------------------------------------------------


def job_claim(model: type[J], pk: int, *, reset: dict[str, Any] | None = None) -> J | None:
    """Take the job for this delivery; None when there is nothing (more) to do for the message.

    `reset`: fields put back to their starting values for the new attempt (progress, curve...), in the same
    write as the claim, so an attempt never shows the previous one's progress.
    """
    with transaction.atomic():
        job = model._default_manager.select_for_update().filter(pk=pk).first()
        if job is None or job.status not in ACTIVE:
            return None
        now = timezone.now()
        if job.cancel_requested:
            job.status, job.finished_at = JobStatus.CANCELLED, now
            job.save(update_fields=["status", "finished_at"])
            return None
        if job.attempts >= model.MAX_ATTEMPTS:
            job.status, job.finished_at = JobStatus.FAILED, now
            died = "each time" if job.attempts > 1 else "during it"
            plural = "s" if job.attempts != 1 else ""
            job.error = f"gave up after {job.attempts} attempt{plural} (the worker died {died})"
            job.save(update_fields=["status", "finished_at", "error"])
            return None
        job.attempts += 1  # from the locked row: never a stale count
        job.status = JobStatus.RUNNING
        job.started_at = now
        job.heartbeat_at = now
        job.error = ""
        for name, value in (reset or {}).items():
            setattr(job, name, value)
        job.save(
            update_fields=[
                "attempts", "status", "started_at", "heartbeat_at", "error", *(reset or {}),
            ]
        )  # fmt: skip
        return job


def _owned(job: Job) -> QuerySet[Any]:
    """The job's row while this attempt still owns it (running, same attempt)."""
    return type(job)._default_manager.filter(
        pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts
    )


def job_heartbeat(job: Job, **fields: Any) -> bool:
    """Beat (and write `fields`); False when the attempt no longer owns the job or a cancel was asked."""
    return (
        _owned(job).filter(cancel_requested=False).update(heartbeat_at=timezone.now(), **fields)
        == 1
    )


def job_finish(job: Job, status: str, **fields: Any) -> bool:
    """End this attempt with `status`; False (and nothing written) when it no longer owns the job."""
    now = timezone.now()
    done = _owned(job).update(status=status, finished_at=now, heartbeat_at=now, **fields) == 1
    if done:
        job.status, job.finished_at = status, now
        for name, value in fields.items():
            setattr(job, name, value)
    return done


def job_fail(job: Job, message: str, *, tries: int = 5, wait_s: float = 1.0) -> bool:
    """Fail this attempt with `message`, surviving a dead database connection.

    A failure is often the database itself going away (a restart, a dropped connection): the connection is
    then closed and the write retried with a growing pause. If the database stays away, the job is left to
    the sweeper (it fails silent jobs) and False is returned.
    """
    for attempt in range(tries):
        try:
            return job_finish(job, JobStatus.FAILED, error=message)
        except DatabaseError:
            if connection.in_atomic_block:
                raise
            logger.warning(
                "%s: the database is away, retrying to record its failure", job_label(job)
            )
            connection.close()
            if attempt + 1 < tries:
                time.sleep(wait_s * (attempt + 1))
    logger.error("%s: could not record its failure (%s); the sweeper will", job_label(job), message)
    return False


def job_label(job: Job) -> str:
    return f"{type(job).__name__} #{job.pk}"


def job_cancel(job: J) -> J:
    """Cancel a queued or running job now, even if its worker is gone; a live worker stops at its next beat."""
    now = timezone.now()
    type(job)._default_manager.filter(pk=job.pk, status__in=ACTIVE).update(
        status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now
    )
    job.refresh_from_db()
    return job


class JobLost(Exception):
    """This attempt no longer owns its job (cancelled, swept, or superseded by a redelivery)."""


class JobRun:
    """The running attempt: `beat()` from progress points, `lost` set once the job is no longer ours."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.lost = threading.Event()
        self._last = 0.0

    def beat(self, *, every_s: float = 0.0, **fields: Any) -> bool:
        """Write progress `fields` with a heartbeat (at most every `every_s`); False once the job is lost.

        A database error here is not the job's failure: the beat is skipped (the connection closed, so the
        next one reconnects) and the work goes on; the sweeper ends the job if the database never returns.
        """
        now = time.monotonic()
        if every_s and now - self._last < every_s and not fields:
            return not self.lost.is_set()
        self._last = now
        try:
            if not job_heartbeat(self.job, **fields):
                self.lost.set()
        except DatabaseError:
            if connection.in_atomic_block:
                raise
            logger.warning("%s: heartbeat failed, the database is away", job_label(self.job))
            connection.close()
        return not self.lost.is_set()

    def check(self) -> None:
        if self.lost.is_set():
            raise JobLost(f"{job_label(self.job)} is no longer this worker's")


def _beat_forever(run: JobRun, stop: threading.Event, every_s: float) -> None:
    from django.db import connections

    try:
        while not stop.wait(every_s):
            try:
                if not job_heartbeat(run.job):
                    run.lost.set()
            except DatabaseError:
                connections["default"].close()
    finally:
        connections.close_all()


@contextmanager
def job_running(job: Job) -> Iterator[JobRun]:
    """Beat for `job` while the block runs: from a thread, unless we are inside a transaction.

    Inside a transaction (tests, a caller's transaction) another connection could neither see the row nor
    update it without waiting for our lock, so the job beats from its own progress reports only.
    """
    run = JobRun(job)
    if connection.in_atomic_block:
        yield run
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat_forever,
        args=(run, stop, float(settings.JOBS_HEARTBEAT_SECONDS)),
        name=f"heartbeat-{job_label(job)}",
        daemon=True,
    )
    thread.start()
    try:
        yield run
    finally:
        stop.set()
        thread.join(timeout=30)


C = TypeVar("C", bound=CountedJob)


def counted_job_execute(model: type[C], pk: int, work: Callable[[C, JobRun], int]) -> C | None:
    """A counted job's task body: claim it (progress reset), run `work` with a heartbeat, record the outcome.

    `work(job, attempt)` does the items, beating `total` and `done` as it goes, and returns how many it did.
    An attempt that lost its job (cancelled, swept, superseded) ends it cancelled if it still can; any other
    error fails it with the error's message (a storage problem in words). None when there was nothing to claim.
    """
    job = job_claim(model, pk, reset={"done": 0, "total": 0})
    if job is None:
        return None
    try:
        with job_running(job) as attempt:
            done = work(job, attempt)
            attempt.check()
            if not job_finish(job, JobStatus.SUCCEEDED, done=done):
                raise JobLost(f"{job_label(job)} is no longer this worker's")
    except JobLost as stopped:
        logger.info("%s stopped: %s", job_label(job), stopped)
        job_finish(job, JobStatus.CANCELLED)
    except Exception as error:
        logger.exception("%s failed", job_label(job))
        job_fail(job, storage_error(error) or f"{type(error).__name__}: {error}")
    return job


# --- Sweep -------------------------------------------------------------------------------------------


def job_models() -> list[type[Job]]:
    return [model for model in apps.get_models() if issubclass(model, Job)]


def jobs_sweep(*, now: Any = None, only: list[type[Job]] | None = None) -> dict[str, int]:
    """Re-queue or fail jobs whose worker went silent, fail those nobody picked up; counts per model."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for model in only or job_models():
        manager = model._default_manager
        stale = now - model.stale_after()
        silent = manager.filter(status=JobStatus.RUNNING).filter(_silent_since(stale))
        dead = list(silent.values_list("pk", "attempts"))
        requeue = [
            (pk, attempts)
            for pk, attempts in dead
            if model.REQUEUE_DEAD and attempts < model.MAX_ATTEMPTS
        ]
        given_up = [pk for pk, attempts in dead if (pk, attempts) not in requeue]
        failed = manager.filter(pk__in=given_up, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            finished_at=now,
            error=(
                f"the worker stopped reporting for over {int(model.stale_after().total_seconds())} s "
                "(killed or lost)"
                + (f"; gave up after {model.MAX_ATTEMPTS} attempts" if model.REQUEUE_DEAD else "")
            ),
        )
        requeued = [
            pk
            for pk, attempts in requeue
            # Guarded on the attempt seen: a redelivery that claimed the job meanwhile keeps it.
            if manager.filter(pk=pk, status=JobStatus.RUNNING, attempts=attempts).update(
                status=JobStatus.QUEUED, heartbeat_at=now
            )
        ]
        lost = manager.filter(status=JobStatus.QUEUED).filter(
            _queued_before(now - model.queue_timeout())
        )
        failed += lost.update(
            status=JobStatus.FAILED,
            finished_at=now,
            error=(
                f"no worker picked the job up within {int(model.queue_timeout().total_seconds())} s "
                "(is a worker for its queue running?)"
            ),
        )
        swept = given_up + requeued
        if swept:
            try:
                model.job_swept(swept)
            except Exception:
                logger.exception("sweeper: cleaning up after %s %s failed", model.__name__, swept)
        for pk in requeued:
            with suppress(
                JobUnavailable
            ):  # the broker is away: _send failed the row, with the reason
                _send(model, pk)
        if failed:
            logger.warning("sweeper: %s %s job(s) failed", failed, model.__name__)
        if requeued:
            logger.warning(
                "sweeper: %s %s job(s) re-queued %s", len(requeued), model.__name__, requeued
            )
        counts[model.__name__] = failed + len(requeued)
    return counts


def _queued_before(cutoff: Any) -> models.Q:
    """Queued since before `cutoff`: since its creation, or since the sweeper re-queued it (its last beat)."""
    return models.Q(heartbeat_at__lt=cutoff) | models.Q(
        heartbeat_at__isnull=True, created_at__lt=cutoff
    )


def _silent_since(stale: Any) -> models.Q:
    """Running and silent since `stale`: its last beat, or its start when it never beat."""
    return models.Q(heartbeat_at__lt=stale) | models.Q(
        heartbeat_at__isnull=True, started_at__lt=stale
    )


# --- Tasks ---------------------------------------------------------------------------------------------


def job_task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """`shared_task` with the options every job task shares.

    acks_late + reject_on_worker_lost: a job whose worker (or pool child) is killed goes back to the queue,
    and the claim counts attempts, so redelivery cannot loop. A claim that meets a database that is away
    (OperationalError) is retried later instead of dropping the message.
    """
    defaults: dict[str, Any] = {
        "acks_late": True,
        "reject_on_worker_lost": True,
        "ignore_result": True,
        "autoretry_for": DATABASE_DOWN,
        "retry_backoff": 2,
        "retry_backoff_max": 30,
        "max_retries": 8,
    }
    return shared_task(**{**defaults, **options})


# --- Storage --------------------------------------------------------------------------------------------

_STORAGE_ERRORS = {
    errno.ENOSPC: "storage full: no space left on the device",
    errno.EDQUOT: "storage full: disk quota exceeded",
    errno.EROFS: "storage is read-only",
    errno.EACCES: "storage refused the write (permission denied)",
    errno.EPERM: "storage refused the write (operation not permitted)",
    errno.EFBIG: "storage refused the write (file too large)",
}


def storage_error(error: BaseException) -> str | None:
    """A message naming the cause when `error` is a full, read-only or refusing storage; else None."""
    if isinstance(error, OSError) and error.errno in _STORAGE_ERRORS:
        where = f" writing {Path(str(error.filename)).name}" if error.filename else ""
        return f"{_STORAGE_ERRORS[error.errno]}{where}"
    return None


def storage_save(storage: Storage, name: str, content: Any) -> str:
    """Save `content` under (an available variant of) `name`, whole or not at all.

    A full or read-only disk raises in the middle of the write; Django's storage leaves the truncated file
    behind, which the next job would trip over. It is removed before the error goes on.
    """
    name = storage.get_available_name(storage.generate_filename(name))
    try:
        return storage.save(name, content)
    except BaseException:
        with suppress(Exception):
            if storage.exists(name):
                storage.delete(name)
        raise
