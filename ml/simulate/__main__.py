"""Command line: ``python -m ml.simulate OUT_DIR --size N --seed S``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ml.simulate.survey import simulate_survey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ml.simulate",
        description="Simulate an XMM-like survey of cluster candidates with truth tables.",
    )
    parser.add_argument("out_dir", type=Path, help="output directory (created if missing)")
    parser.add_argument(
        "--size", type=int, default=2000, help="number of candidates (default 2000)"
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--fields", type=int, default=4, help="number of sky fields (default 4)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)

    def report(done: int, total: int) -> None:
        print(f"\r{done}/{total} candidates", end="", file=sys.stderr, flush=True)

    manifest = simulate_survey(
        args.out_dir,
        size=args.size,
        seed=args.seed,
        n_fields=args.fields,
        workers=args.workers,
        progress=None if args.quiet else report,
    )
    if not args.quiet:
        print(file=sys.stderr)
    counts = ", ".join(f"{k}={v}" for k, v in manifest.class_counts.items())
    print(
        f"wrote {manifest.size} candidates ({counts}); {manifest.n_catalogue} in the catalogue; "
        f"{manifest.elapsed_s:.1f} s -> {manifest.out_dir}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
