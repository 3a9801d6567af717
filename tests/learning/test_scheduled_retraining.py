"""Scheduled retraining: celery beat's check starts a run only when enough new labels arrived."""

import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from hunt.accounts.models import Volunteer
from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.services import classification_create
from hunt.learning.models import TrainingRun
from hunt.learning.services import (
    labels_since_last_run,
    training_run_start,
    training_run_start_if_due,
)
from hunt.learning.tasks import training_schedule_check_task
from tests.learning.conftest import TINY
from tests.workers import running_worker, wait_until


def _classify_again(workflow: Workflow, count: int) -> None:
    volunteer = Volunteer.objects.create()
    for status in SubjectStatus.objects.filter(workflow=workflow).order_by("subject_id")[:count]:
        classification_create(
            workflow=workflow, volunteer=volunteer, subject_id=status.subject_id,
            answer="point", redshift="", idempotency_key=uuid.uuid4(),
        )  # fmt: skip


@pytest.mark.django_db
def test_new_labels_are_counted_from_the_last_runs_snapshot(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow(count=40)
    assert labels_since_last_run(workflow=workflow) == 40
    training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    assert labels_since_last_run(workflow=workflow) == 0
    _classify_again(workflow, 7)
    assert labels_since_last_run(workflow=workflow) == 7


@pytest.mark.django_db
def test_a_run_starts_only_once_enough_labels_arrived_and_none_is_active(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow(count=40)
    assert training_run_start_if_due(workflow=workflow, min_new_labels=41, params=TINY) is None
    assert not TrainingRun.objects.exists()

    run = training_run_start_if_due(workflow=workflow, min_new_labels=40, params=TINY, queue=False)
    assert run is not None
    assert run.trigger == TrainingRun.Trigger.SCHEDULE
    assert run.requested_by is None

    # While that run is active, more labels start nothing (and raise nothing).
    _classify_again(workflow, 20)
    assert training_run_start_if_due(workflow=workflow, min_new_labels=1, params=TINY) is None
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db
def test_too_small_a_snapshot_skips_quietly(labelled_workflow: Callable[..., Workflow]) -> None:
    workflow = labelled_workflow(count=40)
    # Three votes per subject are asked for and each subject has one: nothing to train on.
    assert (
        training_run_start_if_due(workflow=workflow, min_new_labels=1, params={"min_votes": 3})
        is None
    )
    assert not TrainingRun.objects.exists()


def test_beat_runs_the_check_on_the_schedule_the_settings_give() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["retrain-when-labels-arrive"]
    assert entry["task"] == training_schedule_check_task.name
    assert entry["schedule"] == settings.RETRAIN_CHECK_MINUTES * 60


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_on_a_real_worker_trains_a_model(
    labelled_workflow: Callable[..., Workflow], settings: Any
) -> None:
    labelled_workflow(count=40)
    settings.RETRAIN_MIN_NEW_LABELS = 40
    settings.RETRAIN_SCHEDULE_PARAMS = TINY
    with running_worker(
        os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        queues=("default", "training"),
    ):
        training_schedule_check_task.delay()
        assert wait_until(
            lambda: TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED).exists(),
            timeout=120,
        )
    run = TrainingRun.objects.get()
    assert run.trigger == TrainingRun.Trigger.SCHEDULE
    assert run.params["epochs"] == TINY["epochs"]
