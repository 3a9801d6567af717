"""Benchmark the web process's start-up: `django.setup()` + URLconf time and memory, and a gunicorn
worker's memory after warm-up (targets: <= 1.5 s and <= 150 MB).

    python bench/startup.py                    # 5 fresh interpreters, then one gunicorn worker
    python bench/startup.py --runs 9 --requests 200
    python bench/startup.py --root ../older-checkout   # the same measurement of another checkout

Each start-up run is a fresh `python -c` subprocess (nothing imported beforehand), timing from
`import django` to a resolved URLconf: wall time, and the process's CPU time (user + system), which the
other work on a shared machine inflates far less than wall time. It also lists which heavy libraries are
loaded at that point (the web process should load none). The worker run migrates a throw-away PostgreSQL
database (`BENCH_DATABASE_URL`, as the other benches), starts `gunicorn hunt.wsgi` with one sync worker,
sends the volunteer pages and APIs a visitor touches (home, about, classify, talk, the next-subject and
`me` APIs) `--requests` times each round-robin, and reads the worker's resident set size from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _django

HEAVY = ("torch", "sklearn", "scipy", "matplotlib", "pyarrow", "pandas", "astropy.coordinates")
WARM_UP_PATHS = ("/", "/about/", "/classify/", "/talk/", "/api/subjects/next/", "/api/me/")

# Run in a fresh interpreter: prints one JSON line.
_PROBE = f"""
import json, os, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) / 1024
print(json.dumps({{"wall_s": wall, "cpu_s": cpu, "rss_mb": rss,
                  "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""


def _load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def _probe_env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "hunt.settings"
    # The checkout under test first, whatever the virtualenv's editable install points at.
    env["PYTHONPATH"] = str(root)
    env.setdefault("DATABASE_URL", "sqlite:///:memory:")
    return env


def startup(root: Path, runs: int) -> dict[str, float]:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE],
            cwd=root,
            env=_probe_env(root),
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    heavy = sorted({name for r in results for name in r["heavy"]})
    summary = {
        key: statistics.median(r[key] for r in results) for key in ("wall_s", "cpu_s", "rss_mb")
    }
    print(
        f"django.setup() + URLconf, median of {runs} fresh processes: "
        f"{summary['wall_s']:.2f} s wall, {summary['cpu_s']:.2f} s CPU, "
        f"{summary['rss_mb']:.0f} MB RSS; heavy modules loaded: {', '.join(heavy) or 'none'} "
        f"({_load()})"
    )
    return summary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def worker(root: Path, requests: int) -> float:
    db_name = "bench_startup"
    # Production-like (DEBUG off): the pages need collected static files and their manifest.
    os.environ["DJANGO_STATIC_ROOT"] = tempfile.mkdtemp(prefix="cluster-hunt-bench-static-")
    media = _django.setup(db_name)
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    port = _free_port()
    env = _probe_env(root)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hunt.wsgi", "--workers", "1", "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=root, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        statuses: dict[str, int] = {}
        for i in range(requests * len(WARM_UP_PATHS)):
            path = WARM_UP_PATHS[i % len(WARM_UP_PATHS)]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as r:
                    statuses[path] = r.status
            except urllib.error.HTTPError as error:
                statuses[path] = error.code
        bad = {p: s for p, s in statuses.items() if s >= 500}
        if bad:
            raise RuntimeError(f"server errors during warm-up: {bad}")
        rss = _rss_mb(_worker_pid(server.pid))
        print(
            f"gunicorn worker after {requests * len(WARM_UP_PATHS):,} warm-up requests "
            f"({', '.join(f'{p} {s}' for p, s in statuses.items())}): {rss:.0f} MB RSS ({_load()})"
        )
        return rss
    finally:
        server.terminate()
        server.wait(timeout=30)
        _django.teardown(db_name, media)
        shutil.rmtree(os.environ["DJANGO_STATIC_ROOT"], ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh start-up processes (median)")
    parser.add_argument("--requests", type=int, default=50, help="warm-up requests per path")
    parser.add_argument("--root", type=Path, default=_django.ROOT, help="checkout to measure")
    parser.add_argument("--no-worker", action="store_true", help="skip the gunicorn measurement")
    args = parser.parse_args()
    root = args.root.resolve()
    startup(root, args.runs)
    if not args.no_worker:
        worker(root, args.requests)


if __name__ == "__main__":
    main()
