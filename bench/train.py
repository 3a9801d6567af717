"""Benchmark the cluster CNN: retraining time, inference speed and quality on crowd labels.

    python bench/train.py                               # everything (about 30 min on 2 busy cores)
    python bench/train.py --skip-timing --size 10000 --seeds 5
    python bench/train.py --skip-quality --timing-sizes 2000,20000

Timing: retrain (the production recipe, early stopping and a time budget) on 2,000 and 20,000
labelled 64x64 cutouts, reporting wall time and training images/s; then inference cutouts/s,
plain and with test-time augmentation / MC dropout. Quality: for each seed, a fresh simulated
survey of ``--size`` candidates; 20 % held out with the *true* labels; the rest labelled by
simulated volunteers (plurality of ``--volunteers`` answers, each right with probability
``--accuracy``, mistakes following ``ml.learning.labels.CONFUSION_AFFINITY``) and weighted by
their agreement. Reports AUC and TPR at FPR <= 0.05 for cluster vs not on the held-out truth, mean,
standard deviation and worst over seeds. Simulated cutouts are cached as .npy under var/bench/.
Figures depend on what else the machine is doing: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml.learning import (
    TrainConfig,
    cluster_targets,
    count_parameters,
    predict,
    train,
)
from ml.learning.dataset import noisy_volunteer_labels, simulated_dataset
from ml.learning.labels import stratified_split
from ml.learning.train import ECE_BINS
from ml.metrics import expected_calibration_error, roc_auc, tpr_at_fpr
from ml.render import PREPROCESSING_VERSION
from ml.simulate import SIMULATOR_VERSION

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench" / "cnn"


def load_dataset(size: int, seed: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """Simulated (images, labels5), generated once and then read from the .npy cache."""
    # The tag changes when the simulator or the rendering does, so a stale cache is never read.
    tag = hashlib.sha256(f"{SIMULATOR_VERSION}|{PREPROCESSING_VERSION}".encode()).hexdigest()[:10]
    folder = CACHE / f"sim-{size}-{seed}-64-{tag}"
    if not (folder / "labels.npy").exists():
        start = time.perf_counter()
        images, labels, _ = simulated_dataset(size, seed, 64, workers=workers)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "images.npy", images)
        np.save(folder / "labels.npy", labels)  # written last: its presence marks a full cache
        print(
            f"  simulated {size} cutouts (seed {seed}) in {time.perf_counter() - start:.1f} s "
            f"with {workers} processes"
        )
    return np.load(folder / "images.npy"), np.load(folder / "labels.npy")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) / {five:.2f} (5 min)"


def recipe(args: argparse.Namespace, seed: int) -> TrainConfig:
    return TrainConfig(seed=seed, num_threads=args.threads, max_seconds=args.max_seconds)


def timing(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.timing_sizes.split(",")]
    images, labels = load_dataset(max(sizes), 0, args.workers)
    crowd = noisy_volunteer_labels(labels, np.random.default_rng(0), args.accuracy, args.volunteers)
    print(f"\n== retraining ({args.threads} torch thread(s), budget {args.max_seconds} s)")
    model = None
    for size in sizes:
        print(f"  [{load()}]")
        start = time.perf_counter()
        result = train(
            images[:size],
            crowd.labels[:size],
            weights=crowd.agreement[:size],
            config=recipe(args, 0),
        )
        wall = time.perf_counter() - start
        model = result.model
        print(
            f"  {size:>6} cutouts: {wall:6.1f} s wall, {len(result.curve)} epochs "
            f"(best {result.best_epoch}, {result.stop_reason}), "
            f"{result.train_images_per_s:.0f} training images/s, val AUC "
            f"{result.val_metrics['auc']:.4f}"
        )
    assert model is not None
    # The largest model against an independent survey, scored on the true labels.
    test_images, test_labels = load_dataset(args.test_size, 999, args.workers)
    truth = cluster_targets(test_labels)
    for tta in (False, True):
        scores = predict(model, test_images, num_threads=args.threads, tta=tta).cluster_prob
        print(
            f"  {max(sizes)}-cutout model on an independent {args.test_size}-candidate survey"
            f"{' (TTA)' if tta else ''}: AUC {roc_auc(scores, truth):.4f}, TPR at FPR <= 0.05 "
            f"{tpr_at_fpr(scores, truth, 0.05):.3f}"
        )
    print(f"\n== inference ({count_parameters(model)} parameters) [{load()}]")
    for label, n, kwargs in (
        ("plain", images.shape[0], {}),
        ("TTA x8", 2000, {"tta": True}),
        ("MC dropout x20", 2000, {"mc_samples": 20}),
    ):
        predict(model, images[:512], num_threads=args.threads, **kwargs)  # warm-up
        start = time.perf_counter()
        predict(model, images[:n], num_threads=args.threads, **kwargs)
        rate = n / (time.perf_counter() - start)
        print(f"  {label:<15} {rate:7.0f} cutouts/s  ({n} cutouts)")


def quality(args: argparse.Namespace) -> None:
    print(
        f"\n== quality: {args.seeds} seeds x {args.size} simulated candidates, 20 % held out; "
        f"{args.volunteers} volunteers at accuracy {args.accuracy}"
    )
    rows = []
    for seed in range(args.seeds):
        images, labels = load_dataset(args.size, 100 + seed, args.workers)
        rng = np.random.default_rng(seed)
        train_idx, test_idx = stratified_split(labels, 0.2, rng)
        crowd = noisy_volunteer_labels(labels[train_idx], rng, args.accuracy, args.volunteers)
        start = time.perf_counter()
        result = train(
            images[train_idx], crowd.labels, weights=crowd.agreement, config=recipe(args, seed)
        )
        wall = time.perf_counter() - start
        truth = cluster_targets(labels[test_idx])
        plain = predict(result.model, images[test_idx], num_threads=args.threads)
        tta = predict(result.model, images[test_idx], num_threads=args.threads, tta=True)
        row = {
            "auc": roc_auc(plain.cluster_prob, truth),
            "tpr": tpr_at_fpr(plain.cluster_prob, truth, 0.05),
            "auc_tta": roc_auc(tta.cluster_prob, truth),
            "tpr_tta": tpr_at_fpr(tta.cluster_prob, truth, 0.05),
            "ece": expected_calibration_error(plain.cluster_prob, truth, n_bins=ECE_BINS),
            "acc5": float(np.mean(plain.predicted_class == labels[test_idx])),
            "crowd_binary": float(
                np.mean(cluster_targets(crowd.labels) == cluster_targets(labels[train_idx]))
            ),
        }
        rows.append(row)
        print(
            f"  seed {seed}: AUC {row['auc']:.4f} TPR@5% {row['tpr']:.3f} | TTA AUC "
            f"{row['auc_tta']:.4f} TPR@5% {row['tpr_tta']:.3f} | ECE {row['ece']:.3f} "
            f"T {result.model.temperature:.2f} | 5-class acc {row['acc5']:.3f} | crowd "
            f"cluster-vs-not right {row['crowd_binary']:.3f} | {len(result.curve)} epochs "
            f"{wall:.0f} s [{load()}]"
        )
    print("\n  over seeds: mean +- std (worst)")
    for key, name in (
        ("auc", "AUC"),
        ("tpr", "TPR at FPR <= 0.05"),
        ("auc_tta", "AUC, TTA"),
        ("tpr_tta", "TPR at FPR <= 0.05, TTA"),
        ("ece", "ECE (15 bins)"),
        ("acc5", "5-class accuracy"),
    ):
        values = np.array([r[key] for r in rows])
        worst = values.max() if key == "ece" else values.min()
        print(
            f"  {name:<24} {values.mean():.4f} +- {values.std(ddof=1) if len(values) > 1 else 0:.4f} ({worst:.4f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timing-sizes", default="2000,20000")
    parser.add_argument("--size", type=int, default=10000, help="candidates per quality seed")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--test-size", type=int, default=4000, help="survey scoring the timing model"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (see docs/model.md)")
    parser.add_argument("--workers", type=int, default=2, help="processes simulating cutouts")
    parser.add_argument("--max-seconds", type=float, default=270.0, help="training time budget")
    parser.add_argument("--accuracy", type=float, default=0.8, help="a volunteer's accuracy")
    parser.add_argument("--volunteers", type=int, default=5, help="volunteers per candidate")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    print(f"cpu cores: {os.cpu_count()}, {load()}")
    if not args.skip_timing:
        timing(args)
    if not args.skip_quality:
        quality(args)


if __name__ == "__main__":
    main()
