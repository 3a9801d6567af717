"""A training run end to end in-process: snapshot, progress rows, model version, predictions, promotion."""

from collections.abc import Callable
from typing import Any

import pytest

from hunt.classify.models import SubjectStatus, Workflow
from hunt.learning import pipeline
from hunt.learning.dataset import subject_images
from hunt.learning.models import ModelVersion, Prediction, TrainingRun
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import (
    SEED_LIMIT,
    InvalidTrainingParams,
    NotEnoughLabels,
    TrainingAlreadyActive,
    model_promote,
    training_run_start,
    training_runs_sweep,
)
from hunt.subjects.models import Subject
from tests.learning.conftest import TINY


@pytest.mark.django_db
def test_a_run_trains_registers_predicts_and_promotes_the_first_model(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow()
    epoch_before = workflow.priority_epoch
    priorities_before = dict(SubjectStatus.objects.values_list("subject_id", "priority"))
    reports: list[Any] = []

    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    training_run_execute(run.pk, on_progress=reports.append)

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.attempts == 1
    assert len(run.curve) == run.epoch >= 1
    assert {"epoch", "train_loss", "val_loss"} <= set(run.curve[0])
    assert any(report.kind == "batch" for report in reports)
    version = ModelVersion.objects.get(run=run)
    assert version.snapshot_sha256 == run.snapshot.sha256
    assert version.is_champion
    assert version.file.name.endswith(".pt")
    subjects = SubjectStatus.objects.filter(workflow=workflow).count()
    assert Prediction.objects.filter(model_version=version).count() == subjects
    assert all(
        0.0 <= p <= 1.0 for p in Prediction.objects.values_list("cluster_probability", flat=True)
    )
    workflow.refresh_from_db()
    assert workflow.priority_epoch == epoch_before + 1
    assert dict(SubjectStatus.objects.values_list("subject_id", "priority")) != priorities_before
    # Outside the random, likely-cluster and never-prioritised streams, the queue follows what a label would
    # teach the model (BALD over MC dropout): priority = 1 - information / max(information).
    information = {
        pk: float(value or 0.0)
        for pk, value in Prediction.objects.values_list("subject_id", "information")
    }
    assert all(0.0 <= value <= 1.0 for value in information.values())
    assert Prediction.objects.filter(information__isnull=True).count() == 0
    top = max(information.values()) or 1.0
    priorities = dict(SubjectStatus.objects.values_list("subject_id", "priority"))
    by_bald = [pk for pk in priorities if abs(priorities[pk] - (1 - information[pk] / top)) < 1e-9]
    assert len(by_bald) >= 0.5 * len(priorities)  # random 20 %, likely clusters <= 20 %, never 5 %


@pytest.mark.django_db
def test_a_second_start_while_one_is_active_is_refused(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow(20)
    first = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    with pytest.raises(TrainingAlreadyActive) as caught:
        training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    assert caught.value.run.pk == first.pk
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db
def test_too_few_labels_is_a_clear_refusal(labelled_workflow: Callable[..., Workflow]) -> None:
    workflow = labelled_workflow(2)
    with pytest.raises(NotEnoughLabels, match="labelled training subjects"):
        training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    assert not TrainingRun.objects.exists()


@pytest.mark.django_db
def test_a_silent_run_is_requeued_then_failed_and_a_redelivered_finished_run_is_not_rerun(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    workflow = labelled_workflow(20)
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    silent = {
        "status": TrainingRun.Status.RUNNING,
        "heartbeat_at": timezone.now() - timedelta(hours=1),
    }
    TrainingRun.objects.filter(pk=run.pk).update(**silent, attempts=1)
    assert training_runs_sweep() == 1
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.QUEUED  # an attempt is left: its message is sent again
    assert run.attempts == 1

    TrainingRun.objects.filter(pk=run.pk).update(**silent, attempts=2)  # the second one died too
    assert training_runs_sweep() == 1
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert "stopped reporting" in run.error
    assert "gave up after 2 attempts" in run.error

    training_run_execute(run.pk)  # a redelivered message for a finished run does nothing
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_redelivery_is_capped_by_attempts(labelled_workflow: Callable[..., Workflow]) -> None:
    workflow = labelled_workflow(20)
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.RUNNING, attempts=2)
    training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert "gave up after 2 attempts" in run.error


@pytest.mark.django_db
def test_a_worse_challenger_is_not_promoted_and_rollback_restores_a_version(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow()
    first = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    training_run_execute(first.pk)
    champion = ModelVersion.objects.get(run=first)
    second = training_run_start(
        user=None, workflow=workflow, params={**TINY, "seed": 1}, queue=False
    )
    training_run_execute(second.pk)
    challenger = ModelVersion.objects.get(run=second)
    champion.refresh_from_db()
    # Exactly one champion whatever the comparison said, and the note says why.
    assert ModelVersion.objects.filter(is_champion=True).count() == 1
    assert challenger.is_champion or "not promoted" in challenger.promotion_note

    model_promote(version=champion, note="rollback")
    champion.refresh_from_db()
    challenger.refresh_from_db()
    assert champion.is_champion
    assert not challenger.is_champion


@pytest.mark.django_db
def test_a_broker_outage_at_trigger_time_fails_the_run_with_a_clear_error(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    from hunt.celery import app as main_app
    from hunt.celery import create_app
    from hunt.learning.services import TrainingUnavailable

    workflow = labelled_workflow(20)
    unreachable = create_app(broker_url="redis://127.0.0.1:9/0", main="hunt-no-broker")
    unreachable.set_current()
    unreachable.set_default()
    try:
        with pytest.raises(TrainingUnavailable, match="unreachable"):
            training_run_start(user=None, workflow=workflow, params=TINY)
    finally:
        main_app.set_current()
        main_app.set_default()
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.FAILED
    assert "broker" in run.error


@pytest.mark.django_db
def test_training_calibration_and_promotion_read_no_test_region_subject(
    labelled_workflow: Callable[..., Workflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow = labelled_workflow()
    subjects = list(Subject.objects.order_by("pk").values_list("pk", flat=True))
    cycle = ["train", "train", "validation", "test", "guard"]
    for index, pk in enumerate(subjects):
        Subject.objects.filter(pk=pk).update(split=cycle[index % len(cycle)])
    test_ids = set(Subject.objects.filter(split__in=["test", "guard"]).values_list("pk", flat=True))
    validation_ids = set(Subject.objects.filter(split="validation").values_list("pk", flat=True))
    reads: list[list[int]] = []

    def spy(ids: list[int]) -> Any:
        reads.append(list(ids))
        return subject_images(ids)

    monkeypatch.setattr(pipeline, "subject_images", spy)
    first = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    training_run_execute(first.pk)
    second = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    training_run_execute(second.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == TrainingRun.Status.SUCCEEDED, second.error
    # Each run reads its learning images once (train + validation regions), then predicts for every subject.
    learning_reads = [ids for ids in reads if len(ids) < len(subjects)]
    assert len(learning_reads) == 2
    for ids in learning_reads:
        assert not set(ids) & test_ids
        assert validation_ids <= set(ids)
    # Calibration and the champion/challenger comparison ran on exactly the validation regions.
    version = ModelVersion.objects.get(run=second)
    assert version.validation_metrics["n_val"] == len(validation_ids)
    assert version.selection_metrics["n"] == len(validation_ids)
    assert version.selection_metrics["split"] == "validation"
    assert "validation AUC" in version.promotion_note or version.is_champion


@pytest.mark.django_db
def test_the_largest_seed_trains_and_is_kept_and_a_larger_one_is_refused_up_front(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    # A17: the service is the last check (the retrain command calls it too).
    workflow = labelled_workflow()
    with pytest.raises(InvalidTrainingParams, match="seed"):
        training_run_start(
            user=None, workflow=workflow, params={**TINY, "seed": 2**70}, queue=False
        )
    assert TrainingRun.objects.count() == 0
    run = training_run_start(
        user=None, workflow=workflow, params={**TINY, "seed": SEED_LIMIT - 1}, queue=False
    )
    training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert ModelVersion.objects.get(run=run).seed == SEED_LIMIT - 1
