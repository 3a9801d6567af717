"""Issue 18: after the last epoch a run shows its remaining stages (calibration, predictions, comparison) instead of
sitting at "epoch 19/20, 5 s left" until it jumps to succeeded."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.classify.models import SubjectStatus, Workflow
from hunt.core.jobs import JobRun
from hunt.learning.models import TrainingRun
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import training_run_start
from tests.learning.conftest import TINY


@pytest.mark.django_db
def test_the_run_row_walks_through_every_stage_with_a_rising_percent(
    labelled_workflow: Callable[..., Workflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    workflow = labelled_workflow()
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    seen: list[tuple[str, float, Any, int, int]] = []
    real_beat = JobRun.beat

    def watching(self: JobRun, **fields: Any) -> bool:
        # What a poll of the row would show after each write of the worker (the real write happens first).
        written = real_beat(self, **fields)
        row = TrainingRun.objects.get(pk=run.pk)
        seen.append((row.stage, row.percent, row.eta_seconds, row.stage_done, row.stage_total))
        return written

    monkeypatch.setattr(JobRun, "beat", watching)
    training_run_execute(run.pk)

    stages = [stage for stage, *_ in seen]
    order = [stage for i, stage in enumerate(stages) if i == 0 or stages[i - 1] != stage]
    assert order == ["loading", "training", "calibration", "predictions", "comparison", "done"]
    percents = [percent for _, percent, *_ in seen]
    assert percents == sorted(percents)
    assert 80 < percents[stages.index("calibration")] < 100
    # Past training no "s left" figure is shown: it described training only.
    assert all(eta is None for stage, _, eta, *_ in seen if stage != "training")
    subjects = SubjectStatus.objects.filter(workflow=workflow).count()
    assert (seen[-1][3], seen[-1][4]) == (subjects, subjects)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert run.epoch == len(run.curve)


def test_the_api_shows_the_stage_in_words(staff_client: Client, db: None) -> None:
    from tests.learning.test_model_page import _version

    version = _version(
        Workflow.objects.get_or_create(slug="hunt", defaults={"name": "The Hunt"})[0]
    )
    TrainingRun.objects.filter(pk=version.run_id).update(
        status=TrainingRun.Status.RUNNING, stage="predictions", stage_done=2000, stage_total=8000
    )
    body = staff_client.get(reverse("api-training-run-detail", args=[version.run_id])).json()
    assert body["stage_text"] == "Predicting every subject: 2000 of 8000"
    assert body["percent"] == pytest.approx(88 + 10 * 0.25)
