"""Benchmark "more like this": the k-NN query's p99 at 100,000 subjects, and neighbour purity on the
simulated survey (the share of a cluster's 10 nearest neighbours that are clusters).

    python bench/similar.py                       # both (about 10 min on 2 busy cores)
    python bench/similar.py --skip-purity         # the latency only (a minute)
    python bench/similar.py --size 4000 --seed 100
    python bench/similar.py --api --skip-purity       # also the whole API view on a 100,000-subject database

Latency: 100,000 embeddings of the CNN's width (64) are built into a latent space exactly as the product
builds one (ml.latent.space: unit-normalised, stored as float16, read back), then ``--queries`` random
subjects are queried for their 10 nearest neighbours through ``CosineIndex.query_subject``, one at a time,
as the API does. Embeddings are drawn from a mixture of 50 Gaussian clusters (real embeddings are
clumpy; the cost of the exact search does not depend on that). The figure is the query alone; the API
adds two indexed lookups of the 10 ids (thumbnails, and model scores where shown).

Purity: a simulated survey of ``--size`` candidates (cached by bench/train.py's loader); the CNN trained on
80 % with simulated-volunteer labels (the bench/train.py recipe); the embeddings of the held-out 20 %
(never trained on) are the index, and for each true cluster the share of its 10 nearest held-out
neighbours that are true clusters is averaged.

API (``--api``): a throw-away PostgreSQL database with 100,000 subjects, a champion model version with a
prediction for each, and its latent space written by the product's own service (`latent_space_store`, from the
same kind of embeddings); then ``GET /api/subjects/{id}/similar/?k=10`` in-process (Django test client: routing,
permissions, the cached index, the thumbnail and score lookups, JSON) for a volunteer who classified 1,000
subjects and for a scientist. The last line printed is the p99 (the API's when measured).
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


def _embeddings(args: argparse.Namespace) -> np.ndarray:
    rng = np.random.default_rng(args.seed)
    centres = rng.normal(size=(50, args.dim))
    return np.asarray(
        centres[rng.integers(0, 50, args.subjects)]
        + 0.5 * rng.normal(size=(args.subjects, args.dim)),
        dtype=np.float32,
    )


def _p(ms: np.ndarray) -> str:
    return (
        f"p50 {np.percentile(ms, 50):.2f} ms, p90 {np.percentile(ms, 90):.2f} ms, "
        f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms"
    )


def latency(args: argparse.Namespace) -> float:
    rng = np.random.default_rng(args.seed)
    vectors = _embeddings(args)
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
    print(f"  CosineIndex.query_subject: {_p(ms)} [{load()}]")
    return float(np.percentile(ms, 99))


DB_NAME = "cluster_hunt_similar"


def api(args: argparse.Namespace) -> float:
    from bench._django import setup, teardown

    media = setup(DB_NAME)
    try:
        from django.contrib.auth.models import Group, User
        from django.db import connection
        from django.test import Client

        from hunt.accounts.models import Volunteer
        from hunt.accounts.roles import SCIENTIST_GROUP
        from hunt.classify.models import Workflow
        from hunt.learning.models import LabelSnapshot, ModelVersion, TrainingRun
        from hunt.similarity.models import LatentSpaceFile
        from hunt.similarity.services import latent_space_store
        from hunt.subjects.models import SubjectSet

        start = time.perf_counter()
        subject_set = SubjectSet.objects.create(name="bench", slug="bench", kind="simulated")
        workflow = Workflow.objects.get(slug="hunt")
        workflow.subject_sets.add(subject_set)
        snapshot = LabelSnapshot.objects.create(
            workflow=workflow, min_votes=1, sha256="0" * 64, row_count=0
        )
        run = TrainingRun.objects.create(snapshot=snapshot, status=TrainingRun.Status.SUCCEEDED)
        version = ModelVersion.objects.create(
            run=run, file="models/bench.pt", snapshot_sha256=snapshot.sha256, code_version="bench",
            seed=0, complete=True, is_champion=True,
        )  # fmt: skip
        volunteer_user = User.objects.create(username="volunteer", password="!")
        volunteer = Volunteer.objects.create(user=volunteer_user)
        scientist = User.objects.create(username="scientist", password="!")
        scientist.groups.add(Group.objects.get_or_create(name=SCIENTIST_GROUP)[0])
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO subjects_subject (subject_set_id, external_id, ra, dec, metadata, priority, split, "
                "thumbnail, created_at) SELECT %s, 'B' || g, (g * 0.0036) %% 360, 0, '{}', random(), 'train', "
                "'cutouts/b' || g || '.png', now() FROM generate_series(1, %s) g",
                [subject_set.pk, args.subjects],
            )
            cursor.execute(
                "INSERT INTO classify_subjectstatus (workflow_id, subject_id, priority, is_gold, classification_count, "
                "cluster_count, cluster_low_count, cluster_high_count, galaxy_count, point_count, other_count, "
                "retirement_reason, posterior, posterior_votes, gold_label) SELECT %s, id, random(), false, 0, 0, 0, "
                "0, 0, 0, 0, '', '{}', 0, '' FROM subjects_subject",
                [workflow.pk],
            )
            cursor.execute(
                "INSERT INTO learning_prediction (model_version_id, subject_id, cluster_probability, "
                "class_probabilities, uncertainty) SELECT %s, id, random(), "
                '\'{"cluster_low_z": 0.4, "cluster_high_z": 0.1, "galaxy": 0.2, "point": 0.2, '
                '"other": 0.1}\', 0.1 FROM subjects_subject',
                [version.pk],
            )
            cursor.execute(
                "INSERT INTO classify_classification (workflow_id, workflow_version, subject_id, volunteer_id, "
                "answer, redshift, idempotency_key, was_gold, feedback_shown, viewer_state, user_agent, ip_hash, "
                "created_at) SELECT %s, 1, id, %s, 'galaxy', '', gen_random_uuid(), false, false, '{}', '', '', "
                "now() FROM subjects_subject ORDER BY random() LIMIT 1000",
                [workflow.pk, volunteer.pk],
            )
            cursor.execute("SELECT id FROM subjects_subject ORDER BY id")
            ids = np.asarray([row[0] for row in cursor.fetchall()])
            cursor.execute("ANALYZE")
        latent_space_store(
            version=version,
            ids=ids,
            embeddings=_embeddings(args),
            source=LatentSpaceFile.Source.JOB,
        )
        print(
            f"\n== API: {len(ids)} subjects in PostgreSQL, populated in {time.perf_counter() - start:.0f} s"
        )
        rng = np.random.default_rng(args.seed + 1)
        worst = 0.0
        for name, user in (
            ("volunteer (1,000 classified)", volunteer_user),
            ("scientist", scientist),
        ):
            client = Client()
            client.force_login(user)
            queries = rng.choice(ids, size=args.api_queries)
            client.get(
                f"/api/subjects/{int(queries[0])}/similar/?k={args.k}"
            )  # loads the space once
            times = []
            for pk in queries:
                t0 = time.perf_counter()
                response = client.get(f"/api/subjects/{int(pk)}/similar/?k={args.k}")
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, response.content
                assert len(response.json()["results"]) == args.k
            ms = np.asarray(times) * 1000
            worst = max(worst, float(np.percentile(ms, 99)))
            print(f"  GET /api/subjects/{{id}}/similar/?k={args.k}, {name}: {_p(ms)} [{load()}]")
        return worst
    finally:
        teardown(DB_NAME, media)


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
    parser.add_argument(
        "--api", action="store_true", help="also time the API on a PostgreSQL database"
    )
    parser.add_argument("--api-queries", type=int, default=500)
    args = parser.parse_args()
    p99 = latency(args)
    what = "the k-NN query"
    if args.api:
        p99 = api(args)
        what = "GET /api/subjects/{id}/similar/"
    if not args.skip_purity:
        purity(args)
    print(f"p99 of 'more like this' ({what}) at {args.subjects} subjects: {p99:.2f} ms")


if __name__ == "__main__":
    main()
