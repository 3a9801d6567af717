"""Fault injection against services of its own: a throw-away PostgreSQL cluster and a throw-away Redis
(broker and cache), never the machine's shared ones. One table row per fault.

    python bench/faults.py                 # every fault (about 3 minutes on 2 busy cores)
    python bench/faults.py --posts 400     # more classification POSTs per fault

Columns: acknowledged (2xx answers), lost (acknowledged but not stored, or a job never resolved), doubled
(stored twice), 5xx (answers >= 500; every one of them JSON), time to recovery (from the fault until the
service answers normally again, or until the dead job is resolved).

Clients behave as the volunteer page does: a POST that gets a 5xx is retried with the same idempotency
key, so "lost" counts classifications a client was told were stored and are not.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Postgres:
    """A cluster in a temporary folder, run as the `postgres` user (initdb refuses root)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, _free_port()
        self.data = folder / "pg"
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, user="postgres")

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def init(self) -> None:
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.folder / "pg.log"), "-w", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


class Redis:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_port(self.port)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


@dataclass
class Row:
    fault: str
    acknowledged: int = 0
    lost: int = 0
    doubled: int = 0
    errors: int = 0
    recovery_s: float | None = None
    note: str = ""


def _setup(folder: Path, pg: Postgres, redis: Redis) -> None:
    import psycopg

    with psycopg.connect(pg.url("postgres"), autocommit=True) as connection:
        connection.execute('CREATE DATABASE "faults"')
    media, models = folder / "media", folder / "models"
    os.environ.update({
        "DATABASE_URL": pg.url("faults"), "CELERY_BROKER_URL": redis.url(0), "CACHE_URL": redis.url(1),
        "DJANGO_MEDIA_ROOT": str(media), "DJANGO_MODELS_ROOT": str(models),
        "DJANGO_DEBUG": "False", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "False",
        "THROTTLE_ANON": "1000000/min", "THROTTLE_USER": "1000000/min", "THROTTLE_CLASSIFY": "1000000/min",
        "LOG_LEVEL": "CRITICAL", "JOBS_HEARTBEAT_SECONDS": "1", "JOBS_STALE_AFTER_SECONDS": "10",
        "JOBS_SWEEP_SECONDS": "3", "DATABASE_CONN_MAX_AGE": "60", "RETRAIN_CHECK_MINUTES": "0",
        "INGEST_ROOTS": str(folder),
    })  # fmt: skip
    os.environ["DJANGO_SETTINGS_MODULE"] = "hunt.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _world(folder: Path) -> Any:
    from hunt.accounts.models import Volunteer
    from hunt.classify.models import SubjectStatus, Workflow
    from hunt.classify.services import classification_create
    from hunt.subjects.ingestion import ingest_run
    from hunt.subjects.models import SubjectSet
    from tests.builders import build_candidate_folder

    workflow, _ = Workflow.objects.update_or_create(
        slug="hunt", defaults={"name": "The Hunt", "retirement_rules": [], "active": True}
    )
    labels = ["cluster_low_z", "point", "galaxy", "other"] * 40
    ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=build_candidate_folder(folder, 40, labels=labels),
        options={"set_name": "Faults", "evaluation_only": True}, workers=1,
    )  # fmt: skip
    volunteer = Volunteer.objects.create()
    answers = ["cluster", "point", "galaxy", "other"]
    for index, status in enumerate(SubjectStatus.objects.filter(workflow=workflow).order_by("pk")):
        classification_create(
            workflow=workflow, volunteer=volunteer, subject_id=status.subject_id,
            answer=answers[index % 4], redshift="low" if index % 4 == 0 else "",
            idempotency_key=uuid.uuid4(),
        )  # fmt: skip
    return workflow


def _json_5xx(response: Any) -> bool:
    return response.status_code >= 500 and response["Content-Type"].startswith("application/json")


def _classify_through(
    fault: str, posts: int, inject: Callable[[], None], heal: Callable[[], None]
) -> Row:
    """`posts` classification POSTs from fresh volunteers; the fault at a third, healed at two thirds."""
    from django.db import close_old_connections, connections
    from django.test import Client

    from hunt.classify.models import Classification, SubjectStatus

    subject_ids = list(SubjectStatus.objects.values_list("subject_id", flat=True))
    row, acknowledged, injected_at = Row(fault), set(), None
    non_json = 0
    for index in range(posts):
        if index == posts // 3:
            inject()
            injected_at = time.monotonic()
        if index == 2 * posts // 3:
            heal()
        client, key = Client(raise_request_exception=False), str(uuid.uuid4())
        body = {"subject": subject_ids[index % len(subject_ids)], "answer": "cluster",
                "redshift": "low", "idempotency_key": key}  # fmt: skip
        for _ in range(200):  # the page retries a failed POST with the same key
            # What Django's request handler does around every request (its test client does not): a broken
            # connection is closed, so the next request reconnects.
            close_old_connections()
            response = client.post("/api/classifications/", body, content_type="application/json")
            if response.status_code < 500:
                break
            row.errors += 1
            non_json += not _json_5xx(response)
            time.sleep(0.05)
        if response.status_code in (200, 201):
            acknowledged.add(key)
            if injected_at is not None and row.recovery_s is None and row.errors:
                row.recovery_s = time.monotonic() - injected_at
    connections.close_all()
    stored = list(
        Classification.objects.filter(idempotency_key__in=acknowledged).values_list(
            "idempotency_key", flat=True
        )
    )
    row.acknowledged = len(acknowledged)
    row.lost = len(acknowledged - {str(k) for k in stored})
    row.doubled = len(stored) - len(set(stored))
    row.note = f"{non_json} non-JSON 5xx" if non_json else "every 5xx JSON"
    return row


def _trigger_with_broker_down(redis: Redis, url: str, payload: dict[str, Any], model: Any) -> Row:
    from django.contrib.auth.models import User
    from django.test import Client

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "faults-admin", "admin@example.org", secrets.token_urlsafe(16)
    )
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    row = Row(f"broker down at {url} trigger")
    before = model.objects.count()
    redis.kill()
    down = client.post(url, payload, content_type="application/json")
    row.errors += down.status_code >= 500
    failed = model.objects.order_by("-pk").first()
    redis.start()  # the same port: the broker is back
    start = time.monotonic()
    for _ in range(300):
        again = client.post(url, payload, content_type="application/json")
        if again.status_code == 202:
            break
        if again.status_code < 500:
            raise RuntimeError(f"{url}: {again.status_code} {again.content[:200]!r}")
        row.errors += 1
        time.sleep(0.1)
    row.recovery_s = time.monotonic() - start
    row.acknowledged = 1
    stuck = model.objects.filter(pk__gt=before, status="queued").exclude(pk=again.json()["id"])
    row.lost = stuck.count()  # rows left queued forever by the outage
    retry_after = down.get("Retry-After")
    row.note = (
        f"{down.status_code} {down.get('Content-Type')}, Retry-After {retry_after}, "
        f"row {failed.status if failed else '?'}"
    )
    return row


def _worker(queue: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hunt", "worker", "-Q", queue, "--pool", "solo",
         "--concurrency", "1", "--prefetch-multiplier", "1", "-n", f"faults-{queue}-{time.monotonic_ns()}@%h",
         "--loglevel", "CRITICAL", *extra],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def _stop(worker: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=60)


def _training_fault(fault: str, workflow: Any, folder: Path, inject: Callable[[Any], None]) -> Row:
    from django.db import connections

    from hunt.learning.models import ModelVersion, TrainingRun
    from hunt.learning.services import training_run_start

    params = {"epochs": 40, "patience": 40, "batch_size": 16, "min_votes": 1, "mc_samples": 2}
    champion_before = (
        ModelVersion.objects.filter(is_champion=True).values_list("pk", flat=True).first()
    )
    run = training_run_start(user=None, workflow=workflow, params=params)
    connections.close_all()
    trainer = _worker("training")
    beat = _worker("default", "-B", "-s", str(folder / f"beat-{time.monotonic_ns()}"))
    row = Row(fault, acknowledged=1)
    try:
        deadline = time.monotonic() + 120
        while TrainingRun.objects.get(pk=run.pk).batch == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        inject(trainer)
        start = time.monotonic()
        if trainer.poll() is not None:  # killed: a supervisor starts it again
            trainer = _worker("training")
        while time.monotonic() - start < 180:
            try:
                state = TrainingRun.objects.get(pk=run.pk)
            except Exception:  # the database may be restarting
                connections.close_all()
                time.sleep(0.2)
                continue
            if state.status not in TrainingRun.ACTIVE:
                row.recovery_s = time.monotonic() - start
                break
            time.sleep(0.2)
        state = TrainingRun.objects.get(pk=run.pk)
        if state.status in TrainingRun.ACTIVE:
            row.lost = 1
        champion = (
            ModelVersion.objects.filter(is_champion=True).values_list("pk", flat=True).first()
        )
        changed = champion != champion_before
        row.note = (
            f"run {state.status} (attempt {state.attempts})"
            + (f": {state.error[:50]}" if state.error else "")
            + ("; champion changed" if changed else "; serving model unchanged")
        )
        if state.status == TrainingRun.Status.CANCELLED or state.status in TrainingRun.ACTIVE:
            TrainingRun.objects.filter(pk=run.pk).update(status="cancelled")
    finally:
        _stop(trainer)
        _stop(beat, signal.SIGTERM)
        TrainingRun.objects.filter(pk=run.pk, status__in=TrainingRun.ACTIVE).update(
            status="cancelled"
        )
    return row


def _ingest_worker_killed(folder: Path) -> Row:
    """SIGKILL the worker mid-ingestion (Redis keeps the message for an hour): the sweeper re-queues the job,
    the restarted worker's second attempt ingests everything once and removes the dead attempt's files."""
    from django.conf import settings
    from django.db import connections

    from hunt.subjects.ingestion import ingest_job_queue
    from hunt.subjects.models import IngestJob, Subject
    from hunt.subjects.storage import attempt_folder
    from tests.builders import build_candidate_folder

    count = 120
    source = build_candidate_folder(folder / f"ingest-{time.monotonic_ns()}", count)
    job = ingest_job_queue(
        kind="candidate_fits", source=str(source), options={"set_name": "Killed"}, user=None
    )
    connections.close_all()
    worker = _worker("default", "-B", "-s", str(folder / f"beat-{time.monotonic_ns()}"))
    row = Row("ingest worker SIGKILL mid-way (Redis broker)", acknowledged=1)
    try:
        deadline = time.monotonic() + 120
        while IngestJob.objects.get(pk=job.pk).done == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        _stop(worker)
        start = time.monotonic()
        dead = Path(settings.MEDIA_ROOT) / attempt_folder(job.pk, 1)
        left_by_kill = sum(1 for path in dead.rglob("*") if path.is_file())
        worker = _worker("default", "-B", "-s", str(folder / f"beat-{time.monotonic_ns()}"))
        while time.monotonic() - start < 180:
            if IngestJob.objects.get(pk=job.pk).status not in IngestJob.ACTIVE:
                row.recovery_s = time.monotonic() - start
                break
            time.sleep(0.2)
        state = IngestJob.objects.get(pk=job.pk)
        row.lost = int(state.status in IngestJob.ACTIVE)
        subjects = Subject.objects.filter(subject_set_id=state.subject_set_id).count()
        row.doubled = max(0, subjects - count)
        orphans = sum(1 for path in dead.rglob("*") if path.is_file()) if dead.exists() else 0
        row.note = (
            f"job {state.status} (attempt {state.attempts}), {subjects}/{count} subjects; "
            f"{left_by_kill} files of the dead attempt, {orphans} left"
        )
    finally:
        _stop(worker, signal.SIGTERM)
    return row


def _export_on_full_disk(folder: Path) -> Row:
    from django.conf import settings
    from django.test import override_settings

    from hunt.exports.services import export_job_create, export_job_run, export_spec

    disk = folder / "full-disk"
    disk.mkdir()
    row = Row("export storage full")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
                      capture_output=True, check=False).returncode != 0:  # fmt: skip
        row.note = "skipped: cannot mount a tmpfs"
        return row
    try:
        with (disk / "filler").open("wb", buffering=0) as out:
            try:
                while True:
                    out.write(b"\0" * 4096)
            except OSError:
                pass
        storages = {**settings.STORAGES, "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(disk), "base_url": None}}}  # fmt: skip
        full = override_settings(STORAGES=storages)
        full.enable()
        job = export_job_run(export_job_create(spec=export_spec(kind="subjects"), user=None))
        leftovers = [p for p in disk.rglob("*") if p.is_file() and p.name != "filler"]
        row.lost = len(leftovers)
        (disk / "filler").unlink()
        start = time.monotonic()
        again = export_job_run(export_job_create(spec=export_spec(kind="subjects"), user=None))
        row.recovery_s = time.monotonic() - start
        row.acknowledged = int(again.status == "succeeded")
        row.note = f"job {job.status}: {job.error[:45]}; {len(leftovers)} leftover files"
        full.disable()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=150, help="classification POSTs per fault")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the services below are stopped
    folder = Path(tempfile.mkdtemp(prefix="cluster-hunt-faults-"))
    os.chmod(folder, 0o755)
    pg, redis = Postgres(folder / "postgres"), Redis(folder)
    pg.init()
    pg.start()
    redis.start()
    rows: list[Row] = []
    try:
        _setup(folder, pg, redis)
        workflow = _world(folder)
        from django.db import connections

        from hunt.core.models import WorkerPing
        from hunt.exports.models import ExportJob
        from hunt.learning.models import TrainingRun
        from hunt.subjects.models import IngestJob
        from tests.builders import build_candidate_folder

        rows.append(_classify_through("cache (Redis) killed during POSTs", args.posts, redis.kill,
                                      redis.start))  # fmt: skip

        restarter: list[threading.Thread] = []

        def pg_crash_restart() -> None:
            pg.stop("immediate")  # a crash, while the POSTs go on
            time.sleep(2)
            pg.start()

        def pg_crash() -> None:
            restarter.append(threading.Thread(target=pg_crash_restart))
            restarter[0].start()
            time.sleep(0.2)

        rows.append(_classify_through("PostgreSQL crash-restart (2 s) during POSTs", args.posts,
                                      pg_crash, lambda: restarter[0].join()))  # fmt: skip
        rows.append(_trigger_with_broker_down(redis, "/api/health/pings/", {}, WorkerPing))
        rows.append(_trigger_with_broker_down(
            redis, "/api/exports/jobs/", {"kind": "classifications", "layout": "flat"}, ExportJob
        ))  # fmt: skip
        rows.append(_trigger_with_broker_down(
            redis, "/api/training-runs/", {"epochs": 1, "min_votes": 1}, TrainingRun
        ))  # fmt: skip
        rows.append(_trigger_with_broker_down(
            redis, "/api/ingest-jobs/",
            {"kind": "candidate_fits", "path": str(build_candidate_folder(folder / "trigger", 2)),
             "set_name": "Trigger"},
            IngestJob,
        ))  # fmt: skip
        rows.append(_ingest_worker_killed(folder))
        TrainingRun.objects.filter(status__in=TrainingRun.ACTIVE).update(status="cancelled")
        rows.append(_training_fault("training worker SIGKILL (Redis broker)", workflow, folder,
                                    lambda trainer: _stop(trainer)))  # fmt: skip

        def cut_database(trainer: Any) -> None:
            connections.close_all()
            pg.stop("immediate")
            time.sleep(2)
            pg.start()

        rows.append(_training_fault("PostgreSQL crash-restart (2 s) mid-training", workflow, folder,
                                    cut_database))  # fmt: skip
        rows.append(_export_on_full_disk(folder))
    finally:
        from django.db import connections as all_connections

        all_connections.close_all()
        redis.kill()
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.stop("immediate")
        subprocess.run(
            ["umount", "-l", str(folder / "full-disk")], capture_output=True, check=False
        )
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{'fault':<46} {'ack':>5} {'lost':>5} {'dbl':>4} {'5xx':>5} {'recovery':>9}  note")
    for row in rows:
        recovery = f"{row.recovery_s:.1f} s" if row.recovery_s is not None else "-"
        print(f"{row.fault:<46} {row.acknowledged:>5} {row.lost:>5} {row.doubled:>4} {row.errors:>5} "
              f"{recovery:>9}  {row.note}")  # fmt: skip
    print(f"(load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
