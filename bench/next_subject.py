"""Benchmark subject selection: GET /api/subjects/next/ at 1M subjects, volunteers who have seen thousands.

    python bench/next_subject.py                       # 1,000,000 subjects, 20 volunteers x 5,000 seen
    python bench/next_subject.py --subjects 100000 --seen 2000
    python bench/next_subject.py --repeat-share 0    # no repeat observations (half are in pairs by default)

Populates a throw-away PostgreSQL database with generate_series (fast), gives each volunteer thousands of
classifications along their priority walk (as real use would), then times the full API view in-process
(Django test client: routing, session identity, the selector and the JSON payload) and the selector alone.
Prints p50/p99 in milliseconds. No `ORDER BY random()` and no scan of a volunteer's history is involved: the
selector walks the partial index (workflow, is_gold, priority) from the volunteer's cursor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import setup, teardown

DB_NAME = "cluster_hunt_next"


def _populate(
    subjects: int, volunteers: int, seen: int, gold_share: float, repeat_share: float = 0.0
) -> list[int]:
    from django.contrib.auth.models import User
    from django.db import connection

    from hunt.accounts.models import Volunteer
    from hunt.classify.models import Workflow
    from hunt.subjects.models import Subject, SubjectSet

    subject_set = SubjectSet.objects.create(name="bench", slug="bench", kind="simulated")
    workflow = Workflow.objects.get(slug="hunt")
    workflow.subject_sets.add(subject_set)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO subjects_subject (subject_set_id, external_id, ra, dec, metadata, priority, thumbnail, created_at, split) "
            "SELECT %s, 'B' || g, (g * 0.00036) %% 360, 0, '{}', random(), '', now(), %s FROM generate_series(1, %s) g",
            [subject_set.pk, Subject._meta.get_field("split").get_default(), subjects],
        )
        # Repeat observations: a share of the subjects in pairs (ids 2k-1, 2k) sharing a repeat group, as ingestion
        # records them; the selector skips a pair's second member for a volunteer who classified the first.
        cursor.execute(
            "UPDATE subjects_subject SET repeat_group = id - ((id - 1) %% 2) "
            "WHERE ((id - 1) / 2) %% 1000 < %s",
            [int(repeat_share * 1000)],
        )
        cursor.execute(
            "INSERT INTO classify_subjectstatus (workflow_id, subject_id, priority, is_gold, classification_count, "
            "cluster_count, cluster_low_count, cluster_high_count, galaxy_count, point_count, other_count, retirement_reason, "
            "posterior, posterior_votes, gold_label) "
            "SELECT %s, id, random(), random() < %s, 0, 0, 0, 0, 0, 0, 0, '', '{}', 0, '' FROM subjects_subject",
            [workflow.pk, gold_share],
        )
        cursor.execute("ANALYZE")
    ids = []
    for i in range(volunteers):
        volunteer = Volunteer.objects.create(
            user=User.objects.create(username=f"v{i}", password="!")
        )
        ids.append(volunteer.pk)
        with connection.cursor() as cursor:
            # Their history: the first `seen` subjects of the walk (non-gold, in priority order), as if they
            # had classified them one by one; the cursor sits after the last one.
            cursor.execute(
                "WITH walk AS (SELECT subject_id, priority FROM classify_subjectstatus WHERE workflow_id = %s "
                "AND NOT is_gold ORDER BY priority LIMIT %s) "
                "INSERT INTO classify_classification (workflow_id, workflow_version, subject_id, volunteer_id, answer, "
                "redshift, idempotency_key, was_gold, feedback_shown, viewer_state, user_agent, ip_hash, created_at) "
                "SELECT %s, 1, subject_id, %s, 'galaxy', '', gen_random_uuid(), false, false, '{}', '', '', now() FROM walk",
                [workflow.pk, seen, workflow.pk, volunteer.pk],
            )
            cursor.execute(
                "INSERT INTO classify_volunteerprogress (volunteer_id, workflow_id, seen_count, gold_seen, gold_correct, "
                "cursor, gold_cursor, cursor_epoch) SELECT %s, %s, %s, 0, 0, max(priority), -1, %s FROM ("
                "SELECT priority FROM classify_subjectstatus WHERE workflow_id = %s AND NOT is_gold "
                "ORDER BY priority LIMIT %s) t",
                [volunteer.pk, workflow.pk, seen, workflow.priority_epoch, workflow.pk, seen],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ids


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, max {ordered[-1]:.2f} ms (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--volunteers", type=int, default=20)
    parser.add_argument("--seen", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=100, help="per volunteer")
    parser.add_argument(
        "--repeat-share", type=float, default=0.5, help="share of subjects in repeat pairs"
    )
    parser.add_argument(
        "--database", default=DB_NAME, help="throw-away database name (dropped before and after)"
    )
    args = parser.parse_args()

    media = setup(args.database)
    try:
        print(
            f"populating {args.subjects} subjects, {args.volunteers} volunteers x {args.seen} seen ...",
            flush=True,
        )
        start = time.perf_counter()
        volunteer_ids = _populate(
            args.subjects, args.volunteers, args.seen, gold_share=0.02,
            repeat_share=args.repeat_share,
        )  # fmt: skip
        print(f"populated in {time.perf_counter() - start:.0f} s", flush=True)

        from django.test import Client

        from hunt.accounts.models import Volunteer
        from hunt.classify.models import Workflow
        from hunt.classify.selectors import subject_next_for_volunteer

        workflow = Workflow.objects.get(slug="hunt")
        selector_ms: list[float] = []
        api_ms: list[float] = []
        for pk in volunteer_ids:
            volunteer = Volunteer.objects.select_related("user").get(pk=pk)
            client = Client()
            client.force_login(volunteer.user)  # type: ignore[arg-type]
            client.get("/api/subjects/next/")  # warm the connection and the session
            for _ in range(args.requests):
                t0 = time.perf_counter()
                status = subject_next_for_volunteer(workflow=workflow, volunteer=volunteer)
                selector_ms.append((time.perf_counter() - t0) * 1000)
                assert status is not None
                t0 = time.perf_counter()
                response = client.get("/api/subjects/next/")
                api_ms.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
        print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (2-core machine)")
        print(f"selector subject_next_for_volunteer : {_percentiles(selector_ms)}")
        print(f"GET /api/subjects/next/ (in-process): {_percentiles(api_ms)}")
    finally:
        teardown(args.database, media)


if __name__ == "__main__":
    main()
