"""CPU per request of the classification paths, in-process: the WSGI application called as gunicorn calls it.

    python bench/classify_cpu.py                   # 2,000 requests per path
    python bench/classify_cpu.py --requests 500 --profile token

No HTTP, no load generator, one thread: each request is a WSGI environ handed to `hunt.wsgi`'s application
(with bench/ceiling_settings.py's URLconf, so the plain-Django single-insert view is routed too) and the CPU time
(user + system of this process, the database and Redis excluded) is divided by the requests, and so is
the wall time (which includes them: on a quiet machine, about the whole cost of a request) and the CPU time
of the PostgreSQL backend serving this process (read from /proc; 10 ms ticks, so use 1,000+ requests). On a shared
machine this is steadier than a rate under load; `bench/classify_load.py` gives the rates and the ratios
under gunicorn. Paths as there: token, browser (session cookie, CSRF cookie and header, Origin; sessions
`cached_db` on Redis) and ceiling; token-full and browser-full are the same requests through the whole
middleware stack to DRF's view, as every classification went before `hunt.classify.fast_post`. `--profile PATH` prints cProfile's top functions (CPU time) for one path.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import configuration, setup, teardown

DB_NAME = "cluster_hunt_cpu"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/13"
PATHS = ("token", "browser", "ceiling", "token-full", "browser-full")


def _environ(path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0), "HTTP_HOST": "127.0.0.1:8000",
    }  # fmt: skip
    environ.update(headers)
    return environ


def _requests(path: str, count: int, workdir: Path, offset: int) -> list[dict[str, Any]]:
    """`count` requests of one path, on subjects from `offset` on (no volunteer classifies one twice)."""
    subjects = (workdir / "subjects.txt").read_text().split()
    tokens = (workdir / "tokens.txt").read_text().split()
    # A returning volunteer's session is in the shared cache (after the warm-up): 100 of them take turns.
    sessions = [line.split() for line in (workdir / "sessions.txt").read_text().splitlines()[:100]]
    environs = []
    for i in range(offset, offset + count):
        body = {"subject": int(subjects[i % len(subjects)]), "answer": "cluster",
                "redshift": "low", "idempotency_key": str(uuid.uuid4()), "time_spent_ms": 2500}  # fmt: skip
        data = json.dumps(body).encode()
        if path == "ceiling":
            environs.append(_environ("/bench/insert/", data, {}))
            continue
        if path.startswith("token"):
            headers = {"HTTP_AUTHORIZATION": f"Token {tokens[i % len(tokens)]}"}
        else:
            session, csrf = sessions[i % len(sessions)]
            headers = {
                "HTTP_COOKIE": f"sessionid={session}; csrftoken={csrf}",
                "HTTP_X_CSRFTOKEN": csrf, "HTTP_ORIGIN": "http://127.0.0.1:8000",
            }  # fmt: skip
        if path.endswith("-full"):
            headers["QUERY_STRING"] = (
                "via=drf"  # hunt.classify.fast_post hands it to the whole stack
            )
        environs.append(_environ("/api/classifications/", data, headers))
    return environs


def _run(
    application: Callable[..., Any], environs: list[dict[str, Any]]
) -> tuple[float, float, list[str]]:
    """CPU seconds of this process, wall seconds and the statuses of the requests, one after the other."""
    statuses: list[str] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        statuses.append(status.split()[0])

    started, wall = time.process_time(), time.perf_counter()
    for environ in environs:
        result = application(environ, start_response)
        for _chunk in result:
            pass
        result.close()
    return time.process_time() - started, time.perf_counter() - wall, statuses


def _backend_cpu() -> tuple[int, float]:
    """The PID of this process's PostgreSQL backend and the CPU seconds it has used (from /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests per path")
    parser.add_argument(
        "--paths",
        default="token,browser,ceiling",
        help="of token, browser, ceiling, token-full, browser-full (-full: through the whole stack "
        "to DRF's view, as before hunt.classify.fast_post)",
    )
    parser.add_argument("--profile", choices=PATHS)
    parser.add_argument(
        "--database", default=DB_NAME, help="throw-away database name (dropped before and after)"
    )
    options = parser.parse_args()
    os.environ.setdefault("CACHE_URL", DEFAULT_CACHE_URL)
    media = setup(options.database)
    try:
        from django.conf import settings
        from django.core.cache import cache

        from bench.classify_load import _populate

        # bench/ceiling_settings.py's one change, before anything resolves a URL.
        settings.ROOT_URLCONF = "bench.ceiling_urls"
        cache.clear()
        workdir = Path(tempfile.mkdtemp(prefix="cluster-hunt-cpu-"))
        paths = [options.profile] if options.profile else options.paths.split(",")
        unknown = sorted(set(paths) - set(PATHS))
        if unknown:
            raise SystemExit(f"unknown paths {unknown}: choose from {', '.join(PATHS)}")
        # Every request classifies a subject of its own (no duplicates, no retirement in the way).
        _populate((options.requests + 100) * len(paths) + 100, max(options.requests, 500), workdir)
        from django.core.wsgi import get_wsgi_application

        application = get_wsgi_application()
        print(configuration(), flush=True)
        print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
        offset = 0
        totals: dict[str, float] = {}
        for path in paths:
            # Warm-up first: imports, caches, connections.
            _run(application, _requests(path, 100, workdir, offset))
            environs = _requests(path, options.requests, workdir, offset + 100)
            offset += options.requests + 100
            if options.profile:
                import cProfile
                import pstats

                profile = cProfile.Profile(time.process_time)
                profile.enable()
                seconds, wall, statuses = _run(application, environs)
                profile.disable()
                pstats.Stats(profile).sort_stats(
                    os.environ.get("PROFILE_SORT", "cumulative")
                ).print_stats(45)
            else:
                pid, before = _backend_cpu()
                seconds, wall, statuses = _run(application, environs)
                pid_after, after = _backend_cpu()
                database = (after - before) if pid == pid_after else float("nan")
            refused = [s for s in statuses if not s.startswith("2")]
            if not options.profile:
                totals[path] = (seconds + database) / len(environs)
                print(
                    f"{path:8s} {1000 * database / len(environs):6.2f} ms PostgreSQL backend CPU per request"
                )
            print(
                f"{path:8s} {1000 * seconds / len(environs):6.2f} ms CPU per request, "
                f"{1000 * wall / len(environs):6.2f} ms wall (the database and Redis included) "
                f"({len(environs)} requests, {len(refused)} not 2xx: {sorted(set(refused))})",
                flush=True,
            )
        # This process and its backend together, and as a multiple of the plain view's: on a busy machine
        # every figure above drifts with the load, their ratio much less.
        for path, total in totals.items():
            ratio = (
                f", {total / totals['ceiling']:.2f}x the plain view's"
                if "ceiling" in totals
                else ""
            )
            print(f"{path:8s} {1000 * total:6.2f} ms CPU per request with the backend's{ratio}")
        print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    finally:
        teardown(options.database, media)


if __name__ == "__main__":
    main()
