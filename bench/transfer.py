"""Transfer benchmark: one model, side by side on its own simulator, held-out settings and real data.

    python bench/transfer.py                        # train on 6,000, test on 2,000 per domain
    python bench/transfer.py --train-size 20000 --seeds 3
    python bench/transfer.py --load model.zip       # score a saved model instead of training

Trains the default recipe (``ml.learning.train`` with modality dropout) on a domain-randomised
simulated survey with the settings of ``ml.simulate.domain.DEFAULT_HOLDOUT`` (one PSF family,
one pixel scale, one background decade) kept out, labelled by simulated volunteers, then prints:

* the product's own simulator (default parameters, no randomisation);
* the randomised training domain itself (fresh seed);
* each held-out setting, and all three at once, with and without the optical band (X-ray only);
* the real X-ray benchmark (``ml.benchmarks.real_xmm``): N extended/point, extended-vs-point AUC,
  p of each known cluster and each hard negative, with the Galactic prior (``ml.galactic_prior``)
  as the product applies it, and the model's own p beside where the prior changed it.

Per simulated domain: AUC, TPR at FPR <= 0.05, ECE with the model's own temperature, and ECE
after per-domain calibration (a temperature fitted on a third of that domain's cutouts, the ECE
measured on the other two thirds), and after per-domain Platt scaling (temperature and offset).
"found" and "false+" are the shares of clusters and of non-clusters at p >= 0.5. Cutouts are cached under var/bench/transfer/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml.benchmarks.real_xmm import format_report, load_real_benchmark, real_report
from ml.cnn import PREPROCESSING_VERSION, drop_optical
from ml.galactic_prior import apply_cluster_odds, sky_odds_factor
from ml.learning import (
    TrainConfig,
    apply_temperature,
    cluster_targets,
    fit_temperature,
    load_model,
    predict,
    save_model,
    train,
)
from ml.learning.calibrate import fit_platt
from ml.learning.dataset import noisy_volunteer_labels, simulated_dataset
from ml.learning.train import ECE_BINS
from ml.metrics import expected_calibration_error, roc_auc, tpr_at_fpr
from ml.simulate import SIMULATOR_VERSION, SimulationParams
from ml.simulate.domain import DEFAULT_HOLDOUT, DomainRandomisation, randomised_params

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench" / "transfer"
HELD_OUT = ("psf_family", "pixel_scale", "background", "all")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def domains() -> dict[str, SimulationParams]:
    base = DomainRandomisation()
    out = {
        "own simulator": SimulationParams(),
        "training domain": randomised_params(base.training(DEFAULT_HOLDOUT)),
    }
    for which in HELD_OUT:
        out[f"held out: {which}"] = randomised_params(base.held_out(which, DEFAULT_HOLDOUT))
    return out


def dataset(
    name: str, params: SimulationParams, size: int, seed: int, workers: int
) -> tuple[np.ndarray, np.ndarray]:
    key = json.dumps(params.summary(), sort_keys=True, default=str)
    tag = hashlib.sha256(f"{SIMULATOR_VERSION}|{PREPROCESSING_VERSION}|{key}".encode()).hexdigest()[
        :12
    ]
    folder = CACHE / f"{size}-{seed}-{tag}"
    if not (folder / "labels.npy").exists():
        start = time.perf_counter()
        images, labels, _ = simulated_dataset(size, seed, 64, params=params, workers=workers)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "images.npy", images)
        np.save(folder / "labels.npy", labels)
        print(
            f"  simulated {name}: {size} cutouts in {time.perf_counter() - start:.0f} s [{load()}]"
        )
    return np.load(folder / "images.npy"), np.load(folder / "labels.npy")


def scores_row(
    model: Any, images: np.ndarray, labels: np.ndarray, threads: int
) -> dict[str, float]:
    truth = cluster_targets(labels)
    out = predict(model, images, num_threads=threads)
    p, logit = out.cluster_prob, out.cluster_logit
    # Per-domain calibration: a temperature fitted on a third, measured on the rest.
    rng = np.random.default_rng(0)
    order = rng.permutation(truth.size)
    fit, test = order[: truth.size // 3], order[truth.size // 3 :]
    temperature = fit_temperature(logit[fit], truth[fit])
    calibrated = apply_temperature(logit[test], temperature)
    scale, offset = fit_platt(logit[fit], truth[fit])
    platt = apply_temperature(scale * logit[test] + offset, 1.0)
    return {
        "auc": roc_auc(p, truth),
        "tpr": tpr_at_fpr(p, truth, 0.05),
        "ece": expected_calibration_error(p, truth, n_bins=ECE_BINS),
        "ece_domain": expected_calibration_error(calibrated, truth[test], n_bins=ECE_BINS),
        "ece_platt": expected_calibration_error(platt, truth[test], n_bins=ECE_BINS),
        "t_domain": temperature,
        "found": float(np.mean(p[truth > 0.5] >= 0.5)),
        "false": float(np.mean(p[truth < 0.5] >= 0.5)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=6000)
    parser.add_argument("--test-size", type=int, default=2000)
    parser.add_argument(
        "--seeds", type=int, default=1, help="training seeds (figures: mean, spread)"
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--max-seconds", type=float, default=None, help="training time budget")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--accuracy", type=float, default=0.8, help="simulated volunteers' accuracy"
    )
    parser.add_argument("--true-labels", action="store_true", help="train on truth, not a crowd")
    parser.add_argument("--optical-dropout", type=float, default=TrainConfig().optical_dropout)
    parser.add_argument("--load", type=Path, help="score this saved model instead of training")
    parser.add_argument(
        "--save",
        type=Path,
        help="save the trained model here (with --seeds N: one file per seed, -seedK)",
    )
    args = parser.parse_args()
    print(f"cpu cores: {os.cpu_count()}, {load()}; rendering {PREPROCESSING_VERSION}")

    tests = {
        name: dataset(name, params, args.test_size, 900 + k, args.workers)
        for k, (name, params) in enumerate(domains().items())
    }
    real = load_real_benchmark()
    models: list[Any] = []
    if args.load:
        models.append(load_model(args.load).model)
    else:
        train_params = domains()["training domain"]
        for seed in range(args.seeds):
            images, labels = dataset(
                "training", train_params, args.train_size, 100 + seed, args.workers
            )
            weights = None
            if not args.true_labels:
                crowd = noisy_volunteer_labels(labels, np.random.default_rng(seed), args.accuracy)
                labels, weights = crowd.labels, crowd.agreement
            config = TrainConfig(
                seed=seed,
                max_epochs=args.epochs,
                num_threads=args.threads,
                max_seconds=args.max_seconds,
                optical_dropout=args.optical_dropout,
            )
            start = time.perf_counter()
            result = train(images, labels, weights=weights, config=config)
            print(
                f"  seed {seed}: trained on {args.train_size} in {time.perf_counter() - start:.0f} s, "
                f"{len(result.curve)} epochs ({result.stop_reason}), val AUC "
                f"{result.val_metrics['auc']:.4f}, T {result.model.temperature:.2f} [{load()}]"
            )
            models.append(result.model)
            if args.save:
                path = args.save
                if args.seeds > 1:
                    path = path.with_name(f"{path.stem}-seed{seed}{path.suffix}")
                save_model(result.model, path, metadata={"bench": "transfer", "seed": seed})

    print(
        f"\n{'domain':<34} {'AUC':>14} {'TPR@5%':>14} {'ECE':>6} {'ECE T-dom':>14} "
        f"{'ECE Platt-dom':>14} {'found':>6} {'false+':>6}"
    )
    rows: dict[str, list[dict[str, float]]] = {}
    for name, (images, labels) in tests.items():
        variants = [(name, images)]
        if (name != "own simulator" and name != "training domain") or name == "own simulator":
            variants.append((f"{name}, X-ray only", drop_optical(images)))
        for label, data in variants:
            rows[label] = [scores_row(m, data, labels, args.threads) for m in models]

    def cell(values: np.ndarray) -> str:
        if values.size == 1:
            return f"{values[0]:.4f}"
        return f"{values.mean():.4f}+-{values.std(ddof=1):.4f}"

    for label, results in rows.items():
        get = {k: np.array([r[k] for r in results]) for k in results[0]}
        print(
            f"{label:<34} {cell(get['auc']):>14} {cell(get['tpr']):>14} {get['ece'].mean():6.3f} "
            f"{cell(get['ece_domain']):>14} {cell(get['ece_platt']):>14} "
            f"{get['found'].mean():6.3f} {get['false'].mean():6.3f}"
        )
    # The product applies the Galactic prior to every observed position; the report shows both.
    sky = sky_odds_factor([s.ra for s in real.sources], [s.dec for s in real.sources])
    for k, model in enumerate(models):
        alone = predict(model, real.images, num_threads=args.threads).cluster_prob
        report = real_report(real.sources, apply_cluster_odds(alone, sky), model_prob=alone)
        print(f"\nmodel {k}: " + format_report(report))


if __name__ == "__main__":
    main()
