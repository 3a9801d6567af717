"""Load benchmark of the classification write path: POST /api/classifications/ under gunicorn.

    python bench/classify_load.py                    # 60 s per path, 100k subjects, 10k volunteers
    python bench/classify_load.py --duration 20 --connections 32
    python bench/classify_load.py --paths token      # one path only (token, browser, ceiling)

Three paths are measured one after the other under the same gunicorn (3 sync workers by default), each for
`--duration` seconds after a short warm-up:

- token: scripts posting with `Authorization: Token ...` (10k token-holding volunteers);
- browser: anonymous volunteers posting as the classify page does (session cookie, CSRF cookie and
  `X-CSRFToken` header, `Origin`), sessions in the shared cache (`cached_db`, CACHE_URL on Redis);
- ceiling: a bench-only plain-Django view doing one durable INSERT (bench/ceiling_urls.py), the most a Django
  request that writes can do on this machine; printed as the ratio of each path to it.

It prints each path's sustained requests/s and latency percentiles, PostgreSQL's own durable single-row INSERT
ceiling measured with pgbench (4 clients), the load average, and the ratios. The load generator is wrk (found on
PATH, else installed with apt-get when running as root); failing that, a clearly labelled Python generator
(bench/http_load.py) whose own CPU cost understates the figures. It shares the cores with the server either way.
Retries (same idempotency key) and duplicates (same subject, new key) are injected on purpose; afterwards every
acknowledged classification is checked to be in the database exactly once, and the subjects' counts and the
volunteers' progress to add up to the stored rows. Uses a throw-away database and removes it afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import ROOT, configuration, setup, teardown

DB_NAME = "cluster_hunt_load"
PORT = 8077
PATHS = ("token", "browser", "ceiling")
# A shared cache, as production has: sessions are then cached_db and throttle counts are shared.
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/13"


def _populate(subjects: int, volunteers: int, workdir: Path) -> None:
    import binascii
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from rest_framework.authtoken.models import Token

    from bench.ceiling_urls import CREATE_TABLE
    from hunt.accounts.models import Volunteer
    from hunt.accounts.services import SESSION_KEY
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
    # Anonymous volunteers as the page makes them: a session that names the volunteer, and a CSRF cookie.
    anonymous = Volunteer.objects.bulk_create(
        [Volunteer() for _ in range(volunteers)], batch_size=5000
    )
    store, expire = SessionStore(), timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions = [
        Session(
            session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
            session_data=store.encode({SESSION_KEY: str(volunteer.anonymous_key)}),
            expire_date=expire,
        )
        for volunteer in anonymous
    ]
    Session.objects.bulk_create(sessions, batch_size=5000)
    if settings.SESSION_ENGINE.endswith("cached_db"):
        # A session made by a volunteer's first visit is in the shared cache too (cached_db writes both), so
        # their classifications read it from there; bulk-created rows alone would make every POST a cold read.
        from django.contrib.sessions.backends.cached_db import SessionStore as CachedSessionStore
        from django.core.cache import caches

        cached = {
            CachedSessionStore(session_key=session.session_key).cache_key: {
                SESSION_KEY: str(volunteer.anonymous_key)
            }
            for session, volunteer in zip(sessions, anonymous, strict=True)
        }
        caches[settings.SESSION_CACHE_ALIAS].set_many(cached, timeout=settings.SESSION_COOKIE_AGE)
    (workdir / "sessions.txt").write_text(
        "".join(f"{session.session_key} {get_random_string(32)}\n" for session in sessions)
    )
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        # Fresh bulk loads have no planner statistics until autovacuum catches up; a live database has them.
        cursor.execute("ANALYZE")
        # Write the bulk load's pages out now: otherwise the checkpoint its WAL sets off runs during the first
        # path measured, which then shares the disk with it (the first path ran up to 40 % slower that way).
        cursor.execute("CHECKPOINT")
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


def _wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def _load_generator(choice: str) -> str:
    """'wrk' when wrk is on PATH or can be installed (apt-get, as root), else 'python' (bench/http_load.py)."""
    if choice == "python":
        return "python"
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not on PATH: installing it with apt-get ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        for command in (install, ["apt-get", "update", "-q"], install):
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
            if command is install and done.returncode == 0:
                break
    if shutil.which("wrk") is not None:
        return "wrk"
    if choice == "wrk":
        raise SystemExit("wrk is not installed and could not be installed (apt-get install wrk)")
    print(
        "WARNING: wrk unavailable; using the Python load generator (bench/http_load.py), which costs more "
        "CPU per request on the same cores: the figures below are understated.",
        flush=True,
    )
    return "python"


def _load(
    generator: str, mode: str, seconds: int, connections: int, workdir: Path, port: int
) -> str:
    """Run one load and return its summary (wrk's and the Lua script's lines, or the Python stand-in's)."""
    if generator == "python":
        from bench.http_load import run_load

        return run_load(
            mode=mode, port=port, connections=connections, seconds=seconds, workdir=workdir
        )
    wrk = ["wrk", "-t2", f"-c{connections}", "-s", str(ROOT / "bench" / "classify_load.lua")]
    env = {**os.environ, "BENCH_DIR": str(workdir), "BENCH_MODE": mode,
           "BENCH_ORIGIN": f"http://127.0.0.1:{port}"}  # fmt: skip
    result = subprocess.run(
        [*wrk, "--latency", f"-d{seconds}s", f"http://127.0.0.1:{port}"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


def _figures(summary: str) -> tuple[float, float, int]:
    """Requests/s, p99 (ms) and non-2xx answers of a load summary."""
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", summary).group(1))  # type: ignore[union-attr]
    p99 = float(re.search(r"p99 ([\d.]+) ms", summary).group(1))  # type: ignore[union-attr]
    non_2xx = int(re.search(r"non-2xx/3xx (\d+)", summary).group(1))  # type: ignore[union-attr]
    return rate, p99, non_2xx


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds per path")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per path")
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument(
        "--paths", default=",".join(PATHS), help="comma-separated: token,browser,ceiling"
    )
    parser.add_argument("--load-generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--port",
        type=int,
        default=PORT,
        help="gunicorn's port (another port: another database too)",
    )
    args = parser.parse_args()
    port = args.port
    # Two runs at once on one machine must not share a server or a database.
    db_name = DB_NAME if port == PORT else f"{DB_NAME}_{port}"
    paths = [p for p in args.paths.split(",") if p]
    if not paths or set(paths) - set(PATHS):
        parser.error(f"--paths: choose from {', '.join(PATHS)}")

    os.environ.setdefault("CACHE_URL", DEFAULT_CACHE_URL)
    media = setup(db_name)
    from django.core.cache import cache

    cache.clear()  # sessions and throttle counts of an earlier run
    workdir = Path(tempfile.mkdtemp(prefix="cluster-hunt-load-"))
    server = None
    try:
        print(f"load average at start: {_load_average()}", flush=True)
        print(configuration(), flush=True)
        generator = _load_generator(args.load_generator)
        print(
            f"populating {args.subjects} subjects and {args.volunteers} volunteers per path ...",
            flush=True,
        )
        _populate(args.subjects, args.volunteers, workdir)
        database_url = os.environ["DATABASE_URL"]
        pg_ceiling = _pgbench_ceiling(database_url, 10)
        print(
            f"PostgreSQL durable single-row INSERT ceiling (pgbench, 4 clients): {pg_ceiling:.0f}/s",
            flush=True,
        )

        # bench.ceiling_settings: the production settings plus the ceiling view's URL, for all three paths.
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.ceiling_settings"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "hunt.wsgi", "--workers", str(args.gunicorn_workers),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        _wait_for(f"http://127.0.0.1:{port}/api/me/", server)
        figures: dict[str, tuple[float, float, int]] = {}
        for mode in paths:
            _load(
                generator, mode, args.warmup, args.connections, workdir, port
            )  # connections, caches
            for ack in workdir.glob(f"ack-{mode}-*.txt"):
                ack.rename(ack.with_suffix(".warmup"))
            summary = _load(generator, mode, args.duration, args.connections, workdir, port)
            print(f"--- {mode} path ({generator}, {args.connections} connections, "
                  f"{args.gunicorn_workers} gunicorn workers, {args.duration} s) ---")  # fmt: skip
            print(summary, flush=True)
            figures[mode] = _figures(summary)

        print(
            f"load average at end: {_load_average()} (2-core machine; load generator on the same cores)"
        )
        labels = {"token": "classification POSTs, token path  ",
                  "browser": "classification POSTs, browser path",
                  "ceiling": "plain-Django single-insert view  "}  # fmt: skip
        for mode, (rate, p99, non_2xx) in figures.items():
            note = "" if mode == "ceiling" else ": the injected duplicates answered 409"
            print(f"{labels[mode]}: {rate:.0f}/s sustained for {args.duration} s, p99 {p99:.1f} ms "
                  f"({non_2xx} non-2xx{note})")  # fmt: skip
        print(f"PostgreSQL ceiling  : {pg_ceiling:.0f}/s", end="")
        for mode in ("token", "browser"):
            if mode in figures:
                print(f"; {mode} ratio {figures[mode][0] / pg_ceiling:.3f}", end="")
        print()
        if "ceiling" in figures:
            for mode in ("token", "browser"):
                if mode in figures:
                    ratio = figures[mode][0] / figures["ceiling"][0]
                    print(
                        f"{mode} path / plain-Django single insert: {ratio:.2f}x (target >= 1.3x)"
                    )
        _verify(workdir, [mode for mode in paths if mode != "ceiling"])
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        teardown(db_name, media)


def _verify(workdir: Path, modes: list[str]) -> None:
    from django.db.models import Sum

    from hunt.classify.models import Classification, SubjectStatus, VolunteerProgress

    acknowledged: dict[str, set[str]] = {}
    for mode in modes:
        for path in [*workdir.glob(f"ack-{mode}-*.txt"), *workdir.glob(f"ack-{mode}-*.warmup")]:
            for line in path.read_text().splitlines():
                status, key = line.split()
                acknowledged.setdefault(key, set()).add(status)
    keys = set(acknowledged)
    stored = list(Classification.objects.values_list("idempotency_key", flat=True))
    stored_keys = {str(k) for k in stored}
    missing = keys - stored_keys
    replays = sum(1 for statuses in acknowledged.values() if "200" in statuses)
    counted = SubjectStatus.objects.aggregate(n=Sum("classification_count"))["n"] or 0
    seen = VolunteerProgress.objects.aggregate(n=Sum("seen_count"))["n"] or 0
    print(
        f"verification: {len(keys)} acknowledged keys ({replays} also answered as replays), "
        f"{len(stored)} rows, {len(stored_keys)} distinct keys, missing {len(missing)}, "
        f"unacknowledged rows {len(stored_keys - keys)}; votes counted {counted}, progress seen {seen}"
    )
    if missing or len(stored) != len(stored_keys) or not counted == seen == len(stored):
        raise SystemExit(
            "FAILED: an acknowledged classification is missing or stored or counted twice"
        )
    print("verification passed: every acknowledged classification is stored exactly once")


if __name__ == "__main__":
    main()
