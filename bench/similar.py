"""Benchmark "more like this": the k-NN query's p99 at 100,000 subjects, and neighbour purity on the
simulated survey (the share of a cluster's 10 nearest neighbours that are clusters).

    python bench/similar.py                       # both (about 10 min on 2 busy cores)
    python bench/similar.py --skip-purity         # the latency only (a minute)
    python bench/similar.py --size 4000 --seed 100

Latency: 100,000 embeddings of the CNN's width (64) are built into a latent space exactly as the product
builds one (ml.latent.space: unit-normalised, stored as float16, read back), then ``--queries`` random
subjects are queried for their 10 nearest neighbours through ``CosineIndex.query_subject``, one at a time,
as the API does. Embeddings are drawn from a mixture of 50 Gaussian clusters (real embeddings are
clumpy; the cost of the exact search does not depend on that). The figure is the query alone; the API
adds two indexed lookups of the 10 ids (thumbnails, and model scores where shown).

Purity: a simulated survey of ``--size`` candidates (cached by bench/train.py's loader); the CNN trained on
80 % with simulated-volunteer labels (the bench/train.py recipe); the embeddings of the held-out 20 %
(never trained on) are the index, and for each true cluster the share of its 10 nearest held-out
neighbours that are true clusters is averaged. The last line printed is the p99.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.train import load, load_dataset
from ml.latent.neighbours import neighbour_purity
from ml.latent.space import build_space, space_load, space_to_bytes


def latency(args: argparse.Namespace) -> float:
    rng = np.random.default_rng(args.seed)
    centres = rng.normal(size=(50, args.dim))
    vectors = centres[rng.integers(0, 50, args.subjects)] + 0.5 * rng.normal(
        size=(args.subjects, args.dim)
    )
    ids = np.arange(1, args.subjects + 1)
    start = time.perf_counter()
    space = space_load(space_to_bytes(build_space(ids, vectors)))
    built = time.perf_counter() - start
    index = space.index()
    queries = rng.choice(ids, size=args.queries)
    for pk in queries[:20]:  # warm caches
        index.query_subject(int(pk), args.k)
    times = []
    for pk in queries:
        t0 = time.perf_counter()
        index.query_subject(int(pk), args.k)
        times.append(time.perf_counter() - t0)
    ms = np.asarray(times) * 1000
    print(
        f"== latency: {args.subjects} subjects x {args.dim} dims, k={args.k}, {args.queries} queries "
        f"(space built and reloaded in {built:.1f} s, {index.unit.nbytes / 1e6:.0f} MB in memory)"
    )
    print(
        f"  p50 {np.percentile(ms, 50):.2f} ms, p90 {np.percentile(ms, 90):.2f} ms, "
        f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms [{load()}]"
    )
    return float(np.percentile(ms, 99))


def purity(args: argparse.Namespace) -> None:
    from ml.learning import TrainConfig, cluster_targets, predict, train
    from ml.learning.dataset import noisy_volunteer_labels
    from ml.learning.labels import stratified_split

    images, labels = load_dataset(args.size, args.seed, args.workers)
    rng = np.random.default_rng(args.seed)
    train_idx, test_idx = stratified_split(labels, 0.2, rng)
    crowd = noisy_volunteer_labels(labels[train_idx], rng, args.accuracy, args.volunteers)
    start = time.perf_counter()
    result = train(
        images[train_idx], crowd.labels, weights=crowd.agreement,
        config=TrainConfig(seed=args.seed, num_threads=args.threads, max_seconds=args.max_seconds),
    )  # fmt: skip
    wall = time.perf_counter() - start
    is_cluster = cluster_targets(labels).astype(bool)
    print(
        f"\n== purity: {args.size} simulated candidates (seed {args.seed}), trained on "
        f"{len(train_idx)} in {wall:.0f} s ({len(result.curve)} epochs), {len(test_idx)} held out "
        f"({int(is_cluster[test_idx].sum())} clusters)"
    )
    for name, rows in (("held-out", test_idx), ("whole survey", np.arange(len(labels)))):
        embedded = predict(result.model, images[rows], embed=True, num_threads=args.threads)
        assert embedded.embeddings is not None
        space = build_space(np.arange(len(rows)), embedded.embeddings, seed=args.seed)
        share = neighbour_purity(space.unit, is_cluster[rows], args.k)
        base = float(is_cluster[rows].mean())
        print(
            f"  {name}: {100 * share:.1f} % of a cluster's {args.k} nearest neighbours are clusters "
            f"(clusters are {100 * base:.1f} % of the index) [{load()}]"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--accuracy", type=float, default=0.8)
    parser.add_argument("--volunteers", type=int, default=5)
    parser.add_argument("--skip-purity", action="store_true")
    args = parser.parse_args()
    p99 = latency(args)
    if not args.skip_purity:
        purity(args)
    print(f"p99 of 'more like this' at {args.subjects} subjects: {p99:.2f} ms")


if __name__ == "__main__":
    main()
