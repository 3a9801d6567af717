"""Benchmark ingestion + rendering of simulated candidates (2 bands); prints candidates/s.

    python bench/ingest.py                          # 2,000 candidates
    python bench/ingest.py --size 10000 --repeat 10 # 100,000 subjects: the same 10k survey into 10 sets

Runs against a throw-away PostgreSQL database (`cluster_hunt_bench`) and a temporary media folder, both
removed afterwards. The simulated survey is cached in var/bench/ (generation is not timed here; see
bench/simulate.py). The figure covers reading each FITS file, validating it, rendering the viewer arrays,
previews, thumbnail and CNN input, writing the files through Django's storage and inserting the rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._django import ROOT, setup, teardown

DB_NAME = "cluster_hunt_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="candidates in the simulated survey")
    parser.add_argument(
        "--repeat", type=int, default=1, help="ingest the survey into this many sets"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from ml.simulate.survey import simulate_survey

    survey = ROOT / "var" / "bench" / f"survey-{args.size}-{args.seed}"
    if not (survey / "manifest.json").exists():
        print(
            f"simulating {args.size} candidates into {survey} (cached for next time) ...",
            flush=True,
        )
        simulate_survey(survey, size=args.size, seed=args.seed, workers=args.workers)

    media = setup(DB_NAME)
    try:
        from hunt.subjects.ingestion import ingest_run
        from hunt.subjects.models import Subject

        print(
            f"cpu cores: {os.cpu_count()}, workers: {args.workers}, load average: {os.getloadavg()[0]:.2f}"
        )
        total_created = 0
        total_time = 0.0
        for batch in range(args.repeat):
            start = time.perf_counter()
            job = ingest_run(
                kind="simulated",
                source=survey,
                options={"set_name": f"bench {batch}"},
                workers=args.workers,
            )
            elapsed = time.perf_counter() - start
            total_created += job.created
            total_time += elapsed
            print(
                f"batch {batch + 1}/{args.repeat}: {job.created} candidates in {elapsed:.1f} s = "
                f"{job.created / elapsed:.0f} candidates/s (database holds {Subject.objects.count()})",
                flush=True,
            )
        print(
            f"ingest + render: {total_created} candidates in {total_time:.1f} s = "
            f"{total_created / total_time:.0f} candidates/s"
        )
    finally:
        teardown(DB_NAME, media)


if __name__ == "__main__":
    main()
