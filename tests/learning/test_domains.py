"""Per-survey calibration and the training input range: sets with their own labels get their own temperature,
sets outside what the model learnt from are named with the reason."""

import io
from collections.abc import Callable

import numpy as np
import pytest

from hunt.classify.models import Workflow
from hunt.learning.dataset import subject_images
from hunt.learning.domains import (
    MIN_DOMAIN_LABELS,
    domain_temperatures,
    input_warnings,
    sky_prior_factors,
    training_inputs,
)
from hunt.learning.models import LabelSnapshot, ModelVersion, Prediction, TrainingRun
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import training_run_start
from hunt.subjects.models import Cutout, Subject, SubjectSet
from ml.galactic_prior import apply_cluster_odds, sky_odds_factor
from ml.learning.calibrate import apply_temperature
from ml.learning.predict import predict
from ml.learning.store import load_model
from tests.factories import SubjectFactory, SubjectSetFactory
from tests.learning.conftest import TINY


@pytest.mark.django_db
def test_each_set_with_enough_labels_gets_its_own_temperature() -> None:
    sharp, plain, small = (SubjectSetFactory.create() for _ in range(3))
    rng = np.random.default_rng(0)
    ids: list[int] = []
    logits: list[float] = []
    labels: list[int] = []
    for subject_set, scale, n in ((sharp, 4.0, 200), (plain, 1.0, 200), (small, 1.0, 10)):
        y = rng.integers(0, 2, n)
        # The same evidence, over-confident by `scale` in the "sharp" survey.
        evidence = (2 * y - 1) * 1.0 + rng.normal(0, 1.5, n)
        for _ in range(n):
            ids.append(SubjectFactory.create(subject_set=subject_set).pk)
        logits.extend(scale * evidence)
        labels.extend(y)

    temperatures = domain_temperatures(ids, np.asarray(logits), np.asarray(labels))

    assert set(temperatures) == {str(sharp.pk), str(plain.pk)}  # the 10-subject set is too small
    assert MIN_DOMAIN_LABELS > 10
    assert temperatures[str(sharp.pk)]["temperature"] == pytest.approx(
        4 * temperatures[str(plain.pk)]["temperature"], rel=0.25
    )
    assert temperatures[str(sharp.pk)]["n"] == 200


G16_7 = (275.2408, -14.3332)  # a supernova remnant in the Galactic plane


@pytest.mark.django_db
def test_the_galactic_prior_applies_to_observed_positions_only() -> None:
    observed = SubjectSetFactory.create(kind=SubjectSet.Kind.XMM_FIELD)
    simulated = SubjectSetFactory.create(kind=SubjectSet.Kind.SIMULATED)
    plane = SubjectFactory.create(subject_set=observed, ra=G16_7[0], dec=G16_7[1])
    high = SubjectFactory.create(subject_set=observed, ra=150.0, dec=2.0)
    nowhere = SubjectFactory.create(subject_set=observed, ra=None, dec=None)
    # The simulator's sky has no Galaxy in it: a simulated subject at the same position is left alone.
    made_up = SubjectFactory.create(subject_set=simulated, ra=G16_7[0], dec=G16_7[1])

    factors = sky_prior_factors([made_up.pk, plane.pk, high.pk, nowhere.pk])

    assert np.isnan(factors[0])
    assert factors[1] == pytest.approx(float(sky_odds_factor(*G16_7)))
    assert factors[1] < 0.01
    assert factors[2] == 1.0
    assert np.isnan(factors[3])


@pytest.mark.django_db
def test_sets_outside_the_training_inputs_are_named_with_the_reason() -> None:
    trained_on = SubjectSetFactory.create()
    inside = SubjectSetFactory.create(name="Like training")
    outside = SubjectSetFactory.create(name="Chandra-like")

    def subject(subject_set: SubjectSet, scale: float, exposure: float, optical: bool) -> int:
        made = SubjectFactory.create(subject_set=subject_set, metadata={"exposure_s": exposure})
        Cutout.objects.create(
            subject=made, band="xray", width=8, height=8, pixel_scale_arcsec=scale, data_file="x",
            preview="x",
        )  # fmt: skip
        if optical:
            Cutout.objects.create(
                subject=made, band="optical", width=8, height=8, data_file="o", preview="o"
            )
        return made.pk

    ids = [subject(trained_on, 3.2 + 0.01 * k, 10_000 + 100 * k, True) for k in range(50)]
    subject(inside, 3.25, 12_000, True)
    subject(outside, 0.49, 289_000, False)
    trained = training_inputs(ids)
    assert trained["n"] == 50
    assert trained["optical_share"] == 1.0

    warnings = input_warnings(trained, [inside, outside])

    assert [w["subject_set"] for w in warnings] == ["Chandra-like"]
    reason = warnings[0]["reason"]
    assert "pixel scale 0.49" in reason
    assert "exposure 2.89e+05" in reason
    assert "X-ray only" in reason
    assert (
        "Galactic" not in reason
    )  # a simulated set (the factory's kind) is never behind the plane


@pytest.mark.django_db
def test_a_set_whose_stored_predictions_carry_the_galactic_prior_is_named() -> None:
    observed = SubjectSetFactory.create(name="Plane survey", kind=SubjectSet.Kind.XMM_FIELD)
    simulated = SubjectSetFactory.create(name="Simulated", kind=SubjectSet.Kind.SIMULATED)
    subjects = [
        SubjectFactory.create(subject_set=subject_set, ra=G16_7[0], dec=G16_7[1] + offset)
        for subject_set in (observed, simulated)
        for offset in (0.0, 0.1)
    ]
    subjects.append(
        SubjectFactory.create(subject_set=observed, ra=150.0, dec=2.0)
    )  # far from the plane
    ids = [s.pk for s in subjects]
    # The factors as the pipeline stores them with a model's predictions.
    factors = sky_prior_factors(ids)
    run = TrainingRun.objects.create(
        snapshot=LabelSnapshot.objects.create(workflow=Workflow.objects.create(name="w", slug="w"),
                                              min_votes=1, sha256="ab" * 32, row_count=0),
        status=TrainingRun.Status.SUCCEEDED,
    )  # fmt: skip
    version = ModelVersion.objects.create(
        run=run, file="models/x.pt", snapshot_sha256="ab" * 32, code_version="t", seed=0
    )
    Prediction.objects.bulk_create(
        Prediction(
            model_version=version,
            subject_id=pk,
            cluster_probability=0.5,
            uncertainty=0.1,
            class_probabilities={},
            sky_prior=None if np.isnan(f) else float(f),
        )
        for pk, f in zip(ids, factors, strict=True)
    )

    warnings = input_warnings({"n": 0}, [observed, simulated], version.pk)

    assert [w["subject_set"] for w in warnings] == ["Plane survey"]
    assert "2 of 3 subjects lie near the Galactic plane" in warnings[0]["reason"]
    # Without the model, nothing is said of the plane (the prior is the model's predictions' own).
    assert input_warnings({"n": 0}, [observed, simulated]) == []


@pytest.mark.django_db
def test_a_trained_model_stores_its_inputs_and_predicts_each_set_with_its_own_temperature(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow(count=120)
    for index, pk in enumerate(Subject.objects.order_by("pk").values_list("pk", flat=True)):
        # Every third subject: the labels cycle through four classes, so validation holds all of them.
        Subject.objects.filter(pk=pk).update(split="validation" if index % 3 == 1 else "train")
    in_plane = Subject.objects.order_by("-pk").first()
    assert in_plane is not None
    Subject.objects.filter(pk=in_plane.pk).update(ra=G16_7[0], dec=G16_7[1])

    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    training_run_execute(run.pk)

    version = ModelVersion.objects.get(run=run)
    metrics = version.selection_metrics
    assert metrics["training_inputs"]["n"] == 120
    assert metrics["training_inputs"]["pixel_scale_arcsec"] is not None
    (set_id, calibration), *_ = metrics["domain_calibration"].items()
    assert calibration["n"] == 40
    with version.file.open("rb") as handle:
        model = load_model(io.BytesIO(handle.read())).model
    pk = (
        Subject.objects.filter(subject_set_id=int(set_id))
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )
    logit = predict(model, subject_images([pk, in_plane.pk])).cluster_logit
    stored = Prediction.objects.get(model_version=version, subject_id=pk)
    assert stored.cluster_probability == pytest.approx(
        float(apply_temperature(logit[:1], calibration["temperature"])[0]), abs=1e-5
    )
    assert stored.sky_prior == 1.0  # far from the plane: the prior changes nothing
    # In the plane, the calibrated probability's odds are scaled by the stored prior.
    plane = Prediction.objects.get(model_version=version, subject_id=in_plane.pk)
    assert plane.sky_prior is not None
    assert plane.sky_prior == pytest.approx(float(sky_odds_factor(*G16_7)))
    calibrated = apply_temperature(logit[1:], calibration["temperature"])
    assert plane.cluster_probability == pytest.approx(
        float(apply_cluster_odds(calibrated, plane.sky_prior)[0]), abs=1e-5
    )
    assert plane.cluster_probability < float(calibrated[0])
    assert sum(plane.class_probabilities.values()) == pytest.approx(1.0)
