"""Issue 18: "Retrain" with no new label retrained an identical model for ~100 s without a word; now it says so and
asks to confirm (the API answers 409 `no_new_labels` unless `confirm_unchanged`)."""

import uuid
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from hunt.accounts.models import Volunteer
from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.services import classification_create
from hunt.learning.models import LabelSnapshot, TrainingRun
from hunt.learning.services import NoNewLabels, training_run_start
from tests.learning.conftest import TINY

RUNS = reverse("api-training-runs")
pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(labelled_workflow: Callable[..., Workflow]) -> tuple[Workflow, TrainingRun]:
    """A workflow whose labels a succeeded run already learnt from (the rule reads the snapshot, not the model)."""
    workflow = labelled_workflow()
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.SUCCEEDED)
    return workflow, run


def test_the_same_labels_are_refused_with_the_run_that_learnt_them(
    trained: tuple[Workflow, TrainingRun],
) -> None:
    workflow, run = trained
    snapshots = LabelSnapshot.objects.count()
    with pytest.raises(NoNewLabels, match=rf"since run #{run.pk} .*identical model"):
        training_run_start(
            user=None, workflow=workflow, params=TINY, queue=False, refuse_unchanged=True
        )
    assert LabelSnapshot.objects.count() == snapshots  # the frozen snapshot was rolled back
    assert TrainingRun.objects.count() == 1
    # Confirmed: it trains.
    assert training_run_start(user=None, workflow=workflow, params=TINY, queue=False)


def test_the_api_answers_409_no_new_labels(
    trained: tuple[Workflow, TrainingRun], staff_client: Client
) -> None:
    _, run = trained
    response = staff_client.post(RUNS, TINY, content_type="application/json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "no_new_labels"
    assert "confirm" in body["detail"]
    assert body["run"] == reverse("api-training-run-detail", args=[run.pk])
    assert TrainingRun.objects.count() == 1


def test_the_command_refuses_unless_told(trained: tuple[Workflow, TrainingRun]) -> None:
    with pytest.raises(CommandError, match="no labels changed"):
        call_command("retrain", "--queue", "--min-votes", "1")


def test_a_new_label_is_not_refused(trained: tuple[Workflow, TrainingRun]) -> None:
    workflow, _ = trained
    status = SubjectStatus.objects.filter(workflow=workflow).order_by("subject_id").first()
    assert status is not None
    classification_create(
        workflow=workflow, volunteer=Volunteer.objects.create(), subject_id=status.subject_id,
        answer="other", redshift="", idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    run = training_run_start(
        user=None, workflow=workflow, params=TINY, queue=False, refuse_unchanged=True
    )
    assert run.status == TrainingRun.Status.QUEUED
