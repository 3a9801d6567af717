"""The dashboard's real-data row, on the real Abell 907 observations read from their FITS files."""

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from sklearn.metrics import roc_auc_score

from hunt.catalogues.services import catalogue_load
from hunt.evaluation.real_data import real_benchmark
from hunt.evaluation.services import evaluation_run_create, evaluation_run_execute
from hunt.learning.models import CLASSES, LabelSnapshot, ModelVersion, Prediction, TrainingRun
from hunt.subjects.ingestion import ingest_run
from hunt.subjects.labels import TruthRole
from hunt.subjects.models import ExpertLabel, Subject, SubjectSet
from tests.evaluation.conftest import hunt_workflow

A907 = Path(settings.BASE_DIR) / "data" / "xmm" / "a907"
OBSERVATIONS = ("0201901401", "0201903501", "0404910601")


def _a907() -> None:
    for obs_id in OBSERVATIONS:
        ingest_run(
            kind=SubjectSet.Kind.XMM_FIELD,
            source=A907 / f"{obs_id}-0.50-2.00keVmerged_img.fits",
            options={
                "set_name": "XMM-Newton: Abell 907", "sources": str(A907 / "sources.csv"),
                "obs_id": obs_id, "evaluation_only": True,
            },
            workers=1,
        )  # fmt: skip


def _model(scores: dict[int, float], priors: dict[int, float] | None = None) -> ModelVersion:
    workflow = hunt_workflow()
    snapshot = LabelSnapshot.objects.create(
        workflow=workflow, min_votes=1, sha256="cd" * 32, row_count=0
    )
    run = TrainingRun.objects.create(snapshot=snapshot, status=TrainingRun.Status.SUCCEEDED)
    version = ModelVersion.objects.create(
        run=run, file="models/x.pt", snapshot_sha256=snapshot.sha256, code_version="t", seed=0
    )
    Prediction.objects.bulk_create(
        Prediction(
            model_version=version,
            subject_id=pk,
            cluster_probability=p,
            uncertainty=0.1,
            class_probabilities=dict.fromkeys(CLASSES, 0.2),
            sky_prior=(priors or {}).get(pk),
        )
        for pk, p in scores.items()
    )
    return version


@pytest.mark.django_db
def test_the_real_fields_report_each_observation_of_abell_907_and_the_extended_vs_point_auc() -> (
    None
):
    hunt_workflow()
    _a907()
    catalogue_load(
        path=Path(settings.BASE_DIR) / "data" / "catalogues" / "mcxc.fits", preset="mcxc"
    )
    labels = ExpertLabel.objects.filter(subject__subject_set__name="XMM-Newton: Abell 907")
    assert set(labels.values_list("role", flat=True)) == {TruthRole.EVALUATION}
    # A made-up model: extended sources score by their id, point sources low, one point source high.
    label_of = dict(labels.values_list("subject_id", "label"))
    rng = np.random.default_rng(3)
    scores = {
        pk: (0.6 + 0.1 * (pk % 3)) if label_of[pk] == "cluster" else float(rng.uniform(0, 0.7))
        for pk in label_of  # "extended_psf_sized" has no label: not in the benchmark
    }
    version = _model(scores)

    report = real_benchmark(version.pk)

    assert report is not None
    a907 = [row for row in report["known_clusters"] if "J0958" in row["name"]]
    # Each of the three observations is listed, under the MCXC name one-to-one matching gave only one.
    assert len(a907) == 3
    assert {row["name"].split("[")[1][:10] for row in a907} == set(OBSERVATIONS)
    assert len({row["group"] for row in a907}) == 1
    assert all(row["ok"] for row in a907)
    extended = [pk for pk in label_of if label_of[pk] == "cluster"]
    points = [pk for pk in label_of if label_of[pk] == "point"]
    assert (report["n_extended"], report["n_point"]) == (len(extended), len(points))
    y = [1] * len(extended) + [0] * len(points)
    s = [scores[pk] for pk in extended + points]
    assert report["auc_extended_vs_point"] == pytest.approx(roc_auc_score(y, s))
    # No prior stored (a high-latitude field): the model alone ranks them the same.
    assert report["auc_extended_vs_point_model"] == pytest.approx(report["auc_extended_vs_point"])


@pytest.mark.django_db
def test_the_dashboard_shows_the_real_data_row(scientist_client: Client, tmp_path: Path) -> None:
    workflow = hunt_workflow()
    _a907()
    catalogue = catalogue_load(
        path=Path(settings.BASE_DIR) / "data" / "catalogues" / "mcxc.fits", preset="mcxc"
    )
    version = _model(dict.fromkeys(Subject.objects.values_list("pk", flat=True), 0.8))
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all",
        bootstrap_resamples=0, queue=False,
    )  # fmt: skip
    evaluation_run_execute(run.pk)

    page = scientist_client.get(f"/science/evaluation/{run.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="real-data"' in html
    assert "Real X-ray fields (never trained on)" in html
    assert "J0958" in html
    assert "Model alone" in html  # beside p(cluster), which carries the Galactic prior


@pytest.mark.django_db
def test_named_targets_of_the_pipeline_fields_are_checked_by_name_and_field_points_are_not() -> (
    None
):
    hunt_workflow()
    pps = Path(settings.BASE_DIR) / "data" / "xmm" / "pps"
    for obs_id in ("P0046340101", "P0008820101", "P0018140301"):
        ingest_run(
            kind=SubjectSet.Kind.XMM_FIELD,
            source=pps / f"{obs_id}EPX000OIMAGE8000.fits.gz",
            options={
                "set_name": "Pipeline fields", "sources": str(pps / "sources.csv"),
                "obs_id": obs_id, "evaluation_only": True,
            },
            workers=1,
        )  # fmt: skip
    version = _model(dict.fromkeys(Subject.objects.values_list("pk", flat=True), 0.3))

    report = real_benchmark(version.pk)

    assert report is not None
    assert [row["name"] for row in report["known_clusters"]] == [
        "Centaurus cluster (A3526) [P0046340101-src0001]"
    ]
    assert not report["known_clusters"][0]["ok"]  # 0.3 < 0.5: a missed cluster is shown as missed
    assert [row["name"] for row in report["hard_negatives"]] == ["Cygnus Loop XA knot (SNR)"]
    assert report["n_point"] == 90  # the star field's detections: points, not named targets


@pytest.mark.django_db
def test_the_report_shows_what_the_model_said_before_the_galactic_prior() -> None:
    hunt_workflow()
    pps = Path(settings.BASE_DIR) / "data" / "xmm" / "pps"
    ingest_run(
        kind=SubjectSet.Kind.XMM_FIELD,
        source=pps / "P0018140301EPX000OIMAGE8000.fits.gz",
        options={
            "set_name": "Pipeline fields", "sources": str(pps / "sources.csv"),
            "obs_id": "P0018140301", "evaluation_only": True,
        },
        workers=1,
    )  # fmt: skip
    remnant = Subject.objects.get(expert_labels__notes__startswith="Cygnus Loop")
    # The model said 0.8 from the image; the stored p carries a prior of 0.25 on the odds: 4 -> 1.
    version = _model({remnant.pk: 0.5}, priors={remnant.pk: 0.25})

    report = real_benchmark(version.pk)

    assert report is not None
    (row,) = report["hard_negatives"]
    assert row["p"] == pytest.approx(0.5)
    assert row["p_model"] == pytest.approx(0.8)
    assert report["auc_extended_vs_point_model"] is None  # one source, no extended-vs-point pair
