"""Training attempts are idempotent, and only complete versions of succeeded runs ever serve."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from hunt.classify.models import Workflow
from hunt.core.jobs import JobStatus
from hunt.learning.models import ModelVersion, Prediction, TrainingRun, model_storage
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import (
    ModelNotPromotable,
    model_promote,
    training_run_cancel,
    training_run_claim,
    training_run_start,
)
from tests.core.test_jobs import broker_down
from tests.learning.conftest import TINY


def _model_files() -> list[str]:
    try:
        return sorted(model_storage().listdir("models")[1])
    except FileNotFoundError:
        return []


def _leftovers_of_a_dead_attempt(run: TrainingRun) -> ModelVersion:
    """What a first attempt killed during its predictions leaves: a version, some predictions, a curve, a
    model file, and a second file saved before it died (no row points at that one)."""
    first = training_run_claim(run.pk)
    assert first is not None
    assert first.attempts == 1
    storage = model_storage()
    name = storage.save(f"models/cnn-run{run.pk}-a1.pt", ContentFile(b"half a model"))
    storage.save(f"models/cnn-run{run.pk}-a1.pt", ContentFile(b"an orphan"))
    version = ModelVersion.objects.create(
        run=run, file=name, snapshot_sha256=run.snapshot.sha256, code_version="dead", seed=0
    )
    subject = run.snapshot.rows.first()
    assert subject is not None
    Prediction.objects.create(
        model_version=version, subject_id=subject.subject_id, cluster_probability=0.5,
        class_probabilities={}, uncertainty=0.1,
    )  # fmt: skip
    TrainingRun.objects.filter(pk=run.pk).update(
        curve=[{"epoch": 1}, {"epoch": 2}], epoch=2, batch=3, batches=3
    )
    return version


@pytest.mark.django_db
def test_a_redelivered_run_replaces_the_dead_attempts_outputs_and_succeeds(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow()
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    dead = _leftovers_of_a_dead_attempt(run)
    assert len(_model_files()) == 2
    # The serving model is unchanged until a complete, successful version exists.
    assert not ModelVersion.objects.filter(is_champion=True).exists()

    training_run_execute(run.pk)  # the redelivered message

    run.refresh_from_db()
    assert run.status == JobStatus.SUCCEEDED, run.error
    assert run.attempts == 2
    version = ModelVersion.objects.get(run=run)  # exactly one: no one-version-per-run failure
    assert version.pk != dead.pk
    assert version.complete
    assert version.is_champion
    assert _model_files() == [
        f"cnn-run{run.pk}-a2.pt"
    ]  # the orphan and the dead attempt's file are gone
    assert version.file.name == f"models/cnn-run{run.pk}-a2.pt"
    assert Prediction.objects.filter(model_version=version).count() == workflow.statuses.count()
    assert (
        Prediction.objects.count() == workflow.statuses.count()
    )  # the dead attempt's went with it
    # The curve is this attempt's only: 1, 2, ... never 1, 2, 1, 2.
    epochs = [point["epoch"] for point in run.curve]
    assert epochs == list(range(1, len(epochs) + 1))


@pytest.mark.django_db
def test_a_version_of_an_unfinished_or_failed_run_cannot_be_promoted(
    labelled_workflow: Callable[..., Workflow], staff_client: Client
) -> None:
    workflow = labelled_workflow(20)
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    half = _leftovers_of_a_dead_attempt(run)
    with pytest.raises(ModelNotPromotable, match="running"):
        model_promote(version=half)
    response = staff_client.post(reverse("api-model-promote", args=[half.pk]))
    assert response.status_code == 409
    assert response.json()["code"] == "not_promotable"

    TrainingRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED)
    with pytest.raises(ModelNotPromotable, match="failed"):
        model_promote(version=half)
    # Even a succeeded run's version serves only once every prediction is written.
    TrainingRun.objects.filter(pk=run.pk).update(status=JobStatus.SUCCEEDED)
    with pytest.raises(ModelNotPromotable, match="incomplete"):
        model_promote(version=half)
    assert not ModelVersion.objects.filter(is_champion=True).exists()


@pytest.mark.django_db
def test_cancelling_a_running_run_whose_worker_is_gone_frees_the_slot(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow(20)
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    assert training_run_claim(run.pk) is not None  # a worker took it, then vanished
    cancelled = training_run_cancel(run=run)
    assert cancelled.status == JobStatus.CANCELLED
    # No 409: the next run starts at once.
    assert training_run_start(user=None, workflow=workflow, params=TINY, queue=False).pk != run.pk


@pytest.mark.django_db
def test_broker_down_at_a_training_trigger_is_a_503_and_the_next_trigger_is_not_blocked(
    staff_client: Client, labelled_workflow: Callable[..., Workflow]
) -> None:
    labelled_workflow(20)
    with broker_down():
        response = staff_client.post(
            reverse("api-training-runs"),
            {"epochs": 1, "min_votes": 1},
            content_type="application/json",
        )
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json()["code"] == "job_queue_unavailable"
    run: Any = TrainingRun.objects.get()
    assert run.status == JobStatus.FAILED
    assert "broker is unreachable" in run.error
    again = staff_client.post(
        reverse("api-training-runs"), {"epochs": 1, "min_votes": 1}, content_type="application/json"
    )
    assert again.status_code == 202, again.content
