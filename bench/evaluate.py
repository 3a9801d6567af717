"""Benchmark the evaluation: metrics + 1,000 bootstrap resamples for 100,000 subjects (target <= 10 s).

    python bench/evaluate.py                      # metrics only (numpy), model-like and crowd-like scores
    python bench/evaluate.py --service            # also the whole EvaluationRun in a throw-away database

The metrics part times `ml.evaluation.score_report` for both scorers an evaluation run computes: a continuous
model probability and a crowd vote fraction (5 votes, so few distinct values). `--service` bulk-creates the
subjects, votes, predictions and an X-CLASS-like catalogue, then times `evaluation_run_execute` end to end
(database reads, cross-match, metrics, strata, storing results and per-subject scores).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ml.evaluation import score_report


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) / {five:.2f} (5 min)"


def scores(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = (rng.random(n) < 0.3).astype(np.int64)
    model = np.clip(rng.normal(0.25 + 0.5 * truth, 0.18), 0, 1)
    crowd = rng.binomial(5, np.where(truth == 1, 0.85, 0.12)) / 5
    return truth, model, crowd


def metrics(n: int, resamples: int) -> None:
    truth, model, crowd = scores(n, 0)
    start = time.perf_counter()
    for seed, values in enumerate((model, crowd)):
        score_report(values, truth, resamples=resamples, seed=seed)
    elapsed = time.perf_counter() - start
    print(
        f"metrics for {n:,} subjects, model + crowd, {resamples:,} bootstrap resamples each: "
        f"{elapsed:.2f} s ({load()})"
    )


def service(n: int, resamples: int) -> None:
    from bench._django import setup, teardown

    name = "bench_evaluate"
    media = setup(name)
    try:
        _service(n, resamples)
    finally:
        teardown(name, media)


def _service(n: int, resamples: int) -> None:
    import tempfile

    from astropy.table import Table

    from hunt.catalogues.services import catalogue_load
    from hunt.classify.models import SubjectStatus, Workflow
    from hunt.evaluation.services import evaluation_run_create, evaluation_run_execute
    from hunt.learning.models import CLASSES, LabelSnapshot, ModelVersion, Prediction, TrainingRun
    from hunt.subjects.models import ExpertLabel, Subject, SubjectSet

    truth, model, crowd = scores(n, 1)
    rng = np.random.default_rng(2)
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    start = time.perf_counter()
    workflow, _ = Workflow.objects.update_or_create(slug="hunt", defaults={"name": "The Hunt"})
    subject_set = SubjectSet.objects.create(
        name="Bench", slug="bench", kind=SubjectSet.Kind.SIMULATED
    )
    Subject.objects.bulk_create(
        [
            Subject(subject_set=subject_set, external_id=f"b{i}", ra=float(ra[i]), dec=float(dec[i]),
                    metadata={"exposure_s": 10_000.0 + 10_000.0 * (i % 7) / 7})
            for i in range(n)
        ],
        batch_size=5000,
    )  # fmt: skip
    ids = list(Subject.objects.order_by("id").values_list("id", flat=True))
    ExpertLabel.objects.bulk_create(
        [ExpertLabel(subject_id=pk, source="simulation", label="point") for pk, t in zip(ids, truth, strict=True) if t == 0],
        batch_size=5000,
    )  # fmt: skip
    SubjectStatus.objects.bulk_create(
        [
            SubjectStatus(workflow=workflow, subject_id=pk, priority=0.5, classification_count=5,
                          cluster_count=round(c * 5), cluster_low_count=round(c * 5),
                          point_count=5 - round(c * 5))
            for pk, c in zip(ids, crowd, strict=True)
        ],
        batch_size=5000,
    )  # fmt: skip
    snapshot = LabelSnapshot.objects.create(
        workflow=workflow, min_votes=1, sha256="0" * 64, row_count=0
    )
    run = TrainingRun.objects.create(snapshot=snapshot, status="succeeded")
    version = ModelVersion.objects.create(
        run=run, file="x.pt", snapshot_sha256="0" * 64, code_version="bench", seed=0
    )
    Prediction.objects.bulk_create(
        [
            Prediction(model_version=version, subject_id=pk, cluster_probability=float(p),
                       class_probabilities=dict.fromkeys(CLASSES, 0.2), uncertainty=0.1)
            for pk, p in zip(ids, model, strict=True)
        ],
        batch_size=5000,
    )  # fmt: skip
    positives = np.flatnonzero(truth == 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "xclass.fits"
        Table(
            {
                "XClass": np.arange(1, positives.size + 1), "RAdeg": ra[positives], "DEdeg": dec[positives],
                "z": rng.uniform(0.1, 1.2, positives.size), "Class": np.where(rng.random(positives.size) < 0.6, "C1", "C2"),
            }
        ).write(path)  # fmt: skip
        catalogue = catalogue_load(path=path, preset="xclass", name="Bench X-CLASS")
    print(f"  set-up of {n:,} subjects: {time.perf_counter() - start:.1f} s")
    evaluation = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all",
        bootstrap_resamples=resamples, queue=False,
    )  # fmt: skip
    start = time.perf_counter()
    done = evaluation_run_execute(evaluation.pk)
    elapsed = time.perf_counter() - start
    assert done is not None
    assert done.status == "succeeded", done.error
    print(
        f"whole evaluation run for {n:,} subjects ({done.counts['evaluated']:,} evaluated), "
        f"{resamples:,} resamples: {elapsed:.2f} s; model AUC {done.results['model']['auc']:.4f}, "
        f"crowd AUC {done.results['crowd']['auc']:.4f} ({load()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument(
        "--service", action="store_true", help="Also time the whole run in a database."
    )
    args = parser.parse_args()
    metrics(args.subjects, args.resamples)
    if args.service:
        service(args.subjects, args.resamples)


if __name__ == "__main__":
    main()
