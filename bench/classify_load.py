"""Load benchmark of the classification write path: POST /api/classifications/ under gunicorn.

    python bench/classify_load.py                    # 60 s, 100k subjects, 10k volunteers
    python bench/classify_load.py --duration 20 --connections 32

Prints the sustained classifications/s and latency percentiles (wrk, on the same 2 cores as the server, so
the server's figure is understated), PostgreSQL's own durable single-row INSERT ceiling measured with pgbench
(4 clients) in the same run, and their ratio. Retries (same idempotency key) and duplicates (same subject, new
key) are injected on purpose; afterwards every acknowledged classification is checked to be in the database
exactly once. Uses a throw-away database and removes it afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import ROOT, setup, teardown

DB_NAME = "cluster_hunt_load"
PORT = 8077


def _populate(subjects: int, volunteers: int, workdir: Path) -> None:
    import binascii

    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from hunt.accounts.models import Volunteer
    from hunt.classify.models import Workflow
    from hunt.classify.services import workflow_subjects_sync
    from hunt.subjects.models import Subject, SubjectSet

    subject_set = SubjectSet.objects.create(name="load", slug="load", kind="simulated")
    Subject.objects.bulk_create(
        (
            Subject(subject_set=subject_set, external_id=f"L{i:07d}", ra=(i * 0.003) % 360, dec=0.0)
            for i in range(subjects)
        ),
        batch_size=5000,
    )
    workflow = Workflow.objects.get(slug="hunt")
    workflow.subject_sets.add(subject_set)
    workflow_subjects_sync(workflow=workflow)
    users = User.objects.bulk_create(
        [User(username=f"load{i}", password="!") for i in range(volunteers)],
        batch_size=5000,  # unusable password
    )
    Volunteer.objects.bulk_create([Volunteer(user=user) for user in users], batch_size=5000)
    tokens = [Token(key=binascii.hexlify(os.urandom(20)).decode(), user=user) for user in users]
    Token.objects.bulk_create(tokens, batch_size=5000)
    (workdir / "tokens.txt").write_text("\n".join(token.key for token in tokens) + "\n")
    # Fresh bulk loads have no planner statistics until autovacuum catches up; a live database has them.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    ids = Subject.objects.values_list("pk", flat=True)
    (workdir / "subjects.txt").write_text("\n".join(map(str, ids)) + "\n")


def _pgbench_ceiling(database_url: str, seconds: int) -> float:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, v text)"
        )
    script = Path(tempfile.mkstemp(suffix=".sql")[1])
    script.write_text("INSERT INTO bench_insert (v) VALUES ('x');\n")
    result = subprocess.run(
        ["pgbench", "-n", "-c", "4", "-j", "2", "-T", str(seconds), "-f", str(script), database_url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    assert match, result.stdout
    return float(match.group(1))


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    args = parser.parse_args()

    media = setup(DB_NAME)
    workdir = Path(tempfile.mkdtemp(prefix="cluster-hunt-load-"))
    server = None
    try:
        print(
            f"populating {args.subjects} subjects and {args.volunteers} volunteers ...", flush=True
        )
        _populate(args.subjects, args.volunteers, workdir)
        database_url = os.environ["DATABASE_URL"]
        ceiling = _pgbench_ceiling(database_url, 10)
        print(
            f"PostgreSQL durable single-row INSERT ceiling (pgbench, 4 clients): {ceiling:.0f}/s",
            flush=True,
        )

        env = dict(os.environ)  # bench._django.setup made it production-like
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hunt.wsgi", "--workers", str(args.gunicorn_workers),
             "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        _wait_for(f"http://127.0.0.1:{PORT}/api/me/")
        wrk = [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            "-s",
            str(ROOT / "bench" / "classify_load.lua"),
        ]
        subprocess.run([*wrk, "-d5s", f"http://127.0.0.1:{PORT}"], env={**os.environ, "BENCH_DIR": str(workdir)},
                       capture_output=True, check=True)  # warm-up: connections, caches  # fmt: skip
        for ack in workdir.glob("ack-*.txt"):
            ack.rename(ack.with_suffix(".warmup"))
        result = subprocess.run(
            [*wrk, "--latency", f"-d{args.duration}s", f"http://127.0.0.1:{PORT}"],
            env={**os.environ, "BENCH_DIR": str(workdir)}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(result.stdout)
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]
        p99 = re.search(r"p99 ([\d.]+) ms", result.stdout).group(1)  # type: ignore[union-attr]
        print(f"classification POSTs: {rate:.0f}/s sustained for {args.duration} s, p99 {p99} ms")
        print(f"PostgreSQL ceiling  : {ceiling:.0f}/s -> ratio {rate / ceiling:.2f}")
        _verify(workdir)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        teardown(DB_NAME, media)


def _verify(workdir: Path) -> None:
    from hunt.classify.models import Classification

    acknowledged: dict[str, set[str]] = {}
    for path in [*workdir.glob("ack-*.txt"), *workdir.glob("ack-*.warmup")]:
        for line in path.read_text().splitlines():
            status, key = line.split()
            acknowledged.setdefault(key, set()).add(status)
    keys = set(acknowledged)
    stored = list(Classification.objects.values_list("idempotency_key", flat=True))
    stored_keys = {str(k) for k in stored}
    missing = keys - stored_keys
    replays = sum(1 for statuses in acknowledged.values() if "200" in statuses)
    print(
        f"verification: {len(keys)} acknowledged keys ({replays} also answered as replays), "
        f"{len(stored)} rows, {len(stored_keys)} distinct keys, missing {len(missing)}, "
        f"unacknowledged rows {len(stored_keys - keys)}"
    )
    if missing or len(stored) != len(stored_keys):
        raise SystemExit("FAILED: an acknowledged classification is missing or stored twice")
    print("verification passed: every acknowledged classification is stored exactly once")


if __name__ == "__main__":
    main()
