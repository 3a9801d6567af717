"""Retraining over the API with a real worker: 202, progress on the run row, 409 while active."""

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.accounts.models import Volunteer
from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.selectors import subject_next_for_volunteer
from hunt.learning.models import ModelVersion, Prediction, TrainingRun
from tests.learning.conftest import TINY
from tests.workers import running_worker, wait_until

RUNS = reverse("api-training-runs")


def test_only_admins_start_training(volunteer_client: Client, scientist_client: Client) -> None:
    assert volunteer_client.post(RUNS, {}, content_type="application/json").status_code == 403
    assert scientist_client.post(RUNS, {}, content_type="application/json").status_code == 403


def test_scientists_read_the_runs_list_but_volunteers_do_not(
    volunteer_client: Client, scientist_client: Client
) -> None:
    # Issue 18: the model page polls this list every second; scientists got 403 forever.
    response = scientist_client.get(RUNS)
    assert response.status_code == 200, response.content
    assert response.json() == []
    assert volunteer_client.get(RUNS).status_code == 403


@pytest.mark.parametrize("seed", [2**70, 2**32, -1])
def test_a_seed_outside_32_bits_is_a_400_before_any_run_is_made(
    staff_client: Client, labelled_workflow: Callable[..., Workflow], seed: int
) -> None:
    # A17: {"seed": 2**70} was accepted (202) and the run failed in the worker.
    labelled_workflow()
    response = staff_client.post(RUNS, TINY | {"seed": seed}, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "seed" in response.json()  # the field error, DRF's shape
    assert TrainingRun.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("label_loss", "hinge"),
        ("label_concentration", 0),
        ("label_concentration", "x"),
        ("init", "imagenet"),
        ("freeze_body", "sometimes"),
    ],
)
def test_a_bad_training_option_is_a_400_before_any_run_is_made(
    staff_client: Client, labelled_workflow: Callable[..., Workflow], field: str, value: Any
) -> None:
    labelled_workflow()
    response = staff_client.post(RUNS, TINY | {field: value}, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert TrainingRun.objects.count() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_triggered_run_goes_queued_running_succeeded_and_reorders_the_queue(
    labelled_workflow: Callable[..., Workflow], admin: Any
) -> None:
    workflow = labelled_workflow()
    watcher = Volunteer.objects.create()
    priorities_before = dict(SubjectStatus.objects.values_list("subject_id", "priority"))
    client = Client()
    client.force_login(admin)
    seen: set[str] = set()
    with running_worker(
        os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"), queues=("training",)
    ):
        response = client.post(RUNS, TINY | {"seed": 3}, content_type="application/json")
        assert response.status_code == 202, response.content
        assert response["Location"] == response.json()["url"]
        seen.add(response.json()["status"])
        conflict = client.post(RUNS, {}, content_type="application/json")
        assert conflict.status_code == 409
        assert "already" in conflict.json()["detail"]

        def finished() -> bool:
            state = client.get(response.json()["url"]).json()
            seen.add(state["status"])
            return state["status"] in {"succeeded", "failed"}

        assert wait_until(finished, timeout=120, every=0.05)

    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert {"queued", "succeeded"} <= seen
    assert run.curve
    version = ModelVersion.objects.get(run=run)
    assert version.snapshot_sha256 == run.snapshot.sha256
    assert Prediction.objects.filter(model_version=version).count() == SubjectStatus.objects.count()
    workflow.refresh_from_db()
    first_after = subject_next_for_volunteer(workflow=workflow, volunteer=watcher)
    assert first_after is not None
    # The volunteer is offered the front of the queue the new model wrote (most doubtful first).
    front = SubjectStatus.objects.filter(workflow=workflow).order_by("priority").first()
    assert front is not None
    assert first_after.subject_id == front.subject_id
    assert first_after.priority != priorities_before[first_after.subject_id]
