"""Benchmark the survey simulator; prints candidates/s.

    python bench/simulate.py                 # 2,000 candidates: core loop, + FITS, whole survey
    python bench/simulate.py --size 20000 --workers 2

Three figures: the core loop (draw + render X-ray, exposure and optical, no I/O), the same plus
assembling and writing each FITS file, and ``simulate_survey`` end to end (tables included), the
last with 1 and with ``--workers`` processes. Figures depend on what else the machine is doing:
run it on an idle machine and report the load beside them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from ml.simulate.candidate import DEFAULT_PARAMS, simulate_candidate
from ml.simulate.survey import candidate_rng, plan_classes, simulate_survey
from ml.simulate.writer import write_candidate_fits


def _core(size: int, seed: int) -> tuple[float, float, dict[str, float]]:
    classes = plan_classes(size, seed)
    per_class: Counter[str] = Counter()
    time_class: dict[str, float] = dict.fromkeys(classes, 0.0)
    simulate_candidate(candidate_rng(seed, 0), classes[0])  # warm caches (cosmology, templates)
    start, cpu_start = time.perf_counter(), time.process_time()
    for i, cls in enumerate(classes):
        t0 = time.perf_counter()
        simulate_candidate(candidate_rng(seed, i), cls)
        time_class[cls] += time.perf_counter() - t0
        per_class[cls] += 1
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return elapsed, cpu, {c: 1e3 * time_class[c] / per_class[c] for c in per_class}


def _with_fits(size: int, seed: int, out: Path) -> float:
    classes = plan_classes(size, seed)
    start = time.perf_counter()
    for i, cls in enumerate(classes):
        cand = simulate_candidate(candidate_rng(seed, i), cls)
        write_candidate_fits(
            out / f"CH-{i:06d}.fits", cand, f"CH-{i:06d}", 10.0, 0.0, DEFAULT_PARAMS
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-survey", action="store_true")
    args = parser.parse_args()

    print(f"cpu cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    elapsed, cpu, per_class = _core(args.size, args.seed)
    print(
        f"core loop (no I/O)     : {args.size / elapsed:7.0f} candidates/s  ({elapsed:.2f} s wall, "
        f"{args.size / cpu:.0f} per CPU-second)"
    )
    print("  ms per candidate     : " + ", ".join(f"{c} {ms:.2f}" for c, ms in per_class.items()))
    with tempfile.TemporaryDirectory() as tmp:
        elapsed = _with_fits(args.size, args.seed, Path(tmp))
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    print(
        f"core + FITS writing    : {args.size / elapsed:7.0f} candidates/s  ({elapsed:.2f} s, "
        f"{size_mb / args.size * 1e3:.0f} kB a file)"
    )
    if args.skip_survey:
        return
    for workers in sorted({1, args.workers}):
        with tempfile.TemporaryDirectory() as tmp:
            manifest = simulate_survey(Path(tmp), size=args.size, seed=args.seed, workers=workers)
        print(
            f"simulate_survey w={workers}   : {args.size / manifest.elapsed_s:7.0f} candidates/s  "
            f"({manifest.elapsed_s:.2f} s, 4 fields, tables + FITS, process start-up included)"
        )


if __name__ == "__main__":
    main()
