"""Benchmark label exports: 1,000,000 classifications as flat CSV, streamed; prints seconds and peak memory.

    python bench/export.py                    # 1,000,000 classifications, flat CSV through the API view
    python bench/export.py --rows 200000 --layouts flat panoptes --python

Runs against a throw-away PostgreSQL database (`cluster_hunt_bench_export`), populated in SQL with
generate_series (10,000 volunteers, half with accounts; 20,000 subjects). Each export runs in a fresh child
process that streams `GET /api/exports/classifications/` (the real view, authentication, filters, COPY and
StreamingHttpResponse) to /dev/null, so its peak resident memory (VmHWM) is the export's alone plus Django;
it also samples the resident memory while streaming, to show it stays flat.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import setup, teardown

DB_NAME = "cluster_hunt_bench_export"
VOLUNTEERS = 10_000
SUBJECTS = 20_000


def _status(field: str) -> int:
    """A /proc/self/status figure in MB (VmRSS now, VmHWM the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return 0


def populate(rows: int) -> None:
    from django.contrib.auth.models import User
    from django.db import connection

    from hunt.classify.models import Workflow

    workflow, _ = Workflow.objects.update_or_create(slug="hunt", defaults={"name": "The Hunt"})
    User.objects.create_user("bench-scientist", password="x", is_staff=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subjects_subjectset (name, slug, kind, description, citation, active, created_at)"
            " VALUES ('Bench', 'bench', 'simulated', '', '', true, now()) RETURNING id"
        )
        (set_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO subjects_subject (subject_set_id, external_id, ra, dec, metadata, priority,"
            " thumbnail, created_at) SELECT %s, 'B-' || g, (g * 0.017) %% 360, -30 + (g %% 600) * 0.1,"
            " '{}', random(), '', now() FROM generate_series(1, %s) g",
            [set_id, SUBJECTS],
        )
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,"
            " is_staff, is_active, date_joined) SELECT '!', false, 'volunteer' || g, '', '', '', false,"
            " true, now() FROM generate_series(1, %s) g",
            [VOLUNTEERS // 2],
        )
        cursor.execute(
            "INSERT INTO accounts_volunteer (user_id, anonymous_key, created_at)"
            " SELECT u.id, gen_random_uuid(), now() FROM auth_user u WHERE u.username LIKE 'volunteer%%'"
        )
        cursor.execute(
            "INSERT INTO accounts_volunteer (user_id, anonymous_key, created_at)"
            " SELECT NULL, gen_random_uuid(), now() FROM generate_series(1, %s)",
            [VOLUNTEERS - VOLUNTEERS // 2],
        )
        cursor.execute("SELECT min(id) FROM accounts_volunteer")
        (v0,) = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM subjects_subject")
        (s0,) = cursor.fetchone()
        # Volunteer i % V classifies subject (i / V + 7 v) % S: unique per volunteer, as the constraint wants.
        cursor.execute(
            "INSERT INTO classify_classification (workflow_id, workflow_version, subject_id, volunteer_id,"
            " answer, redshift, idempotency_key, was_gold, feedback_shown, time_spent_ms, viewer_state,"
            " user_agent, ip_hash, created_at)"
            " SELECT %s, 1, %s + ((i / %s) + 7 * (i %% %s)) %% %s, %s + i %% %s,"
            " (ARRAY['cluster','galaxy','point','other'])[1 + i %% 4],"
            " CASE WHEN i %% 4 = 0 THEN (ARRAY['low','high'])[1 + i %% 2] ELSE '' END,"
            ' gen_random_uuid(), i %% 10 = 0, i %% 20 = 0, 2000 + i %% 5000, \'{"stretch": "asinh"}\','
            " 'Mozilla/5.0 (X11; Linux x86_64)', md5(i::text) || md5((i + 1)::text),"
            " now() - (%s - i) * interval '1 second'"
            " FROM generate_series(0, %s - 1) i",
            [workflow.pk, s0, VOLUNTEERS, VOLUNTEERS, SUBJECTS, v0, VOLUNTEERS, rows, rows],
        )
        cursor.execute("ANALYZE")


def child(layout: str, python: bool) -> None:
    """Stream one export through the API view, sampling memory; print a JSON line of figures."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "hunt.settings"
    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    import hunt.exports.classifications as classifications

    if python:  # the SQLite demo's path, measured on PostgreSQL for comparison
        classifications.uses_copy = lambda: False
    client = Client()
    client.force_login(User.objects.get(username="bench-scientist"))
    # A warm server: URLs resolved and view modules imported by an empty export first.
    warm: Any = client.get(
        "/api/exports/classifications/", {"layout": layout, "since_id": str(10**12)}
    )
    assert b"".join(warm.streaming_content).count(b"\n") == 1
    baseline = _status("VmRSS")
    start = time.perf_counter()
    response: Any = client.get("/api/exports/classifications/", {"layout": layout})
    size, lines = 0, 0
    samples: list[int] = []
    with open(os.devnull, "wb") as sink:
        for chunk in response.streaming_content:
            sink.write(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
            if len(samples) < lines // 100_000:
                samples.append(_status("VmRSS"))
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "layout": layout, "python": python, "seconds": round(elapsed, 2), "rows": lines - 1,
        "mb": round(size / 1e6, 1), "baseline_rss_mb": baseline, "peak_rss_mb": _status("VmHWM"),
        "rss_every_100k_rows_mb": samples,
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--layouts", nargs="+", default=["flat"], choices=["flat", "panoptes"])
    parser.add_argument("--python", action="store_true", help="also time the csv-module fallback")
    parser.add_argument("--child", nargs=2, metavar=("LAYOUT", "PYTHON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1] == "1")
        return
    media = setup(DB_NAME)
    try:
        start = time.perf_counter()
        populate(args.rows)
        print(f"populated {args.rows:,} classifications in {time.perf_counter() - start:.0f} s;"
              f" cpu cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
        from django.db import connections

        connections.close_all()
        runs = [(layout, False) for layout in args.layouts]
        if args.python:
            runs += [(layout, True) for layout in args.layouts]
        for layout, python in runs:
            output = subprocess.run(
                [sys.executable, __file__, "--child", layout, "1" if python else "0"],
                check=True, capture_output=True, text=True, env=os.environ.copy(),
            )  # fmt: skip
            figures = json.loads(output.stdout.strip().splitlines()[-1])
            path = "csv module" if python else "COPY"
            print(
                f"{layout} CSV ({path}): {figures['rows']:,} rows, {figures['mb']} MB in "
                f"{figures['seconds']} s = {figures['rows'] / figures['seconds']:,.0f} rows/s; peak RSS "
                f"{figures['peak_rss_mb']} MB (warm server before the export: {figures['baseline_rss_mb']} MB); RSS every "
                f"100k rows: {figures['rss_every_100k_rows_mb']}",
                flush=True,
            )
    finally:
        teardown(DB_NAME, media)


if __name__ == "__main__":
    main()
