"""Training from the crowd posterior with the Dirichlet-multinomial loss: counts fed, recipe recorded."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.urls import reverse

from hunt.classify.aggregation import crowd_aggregate
from hunt.classify.models import Workflow
from hunt.learning import pipeline
from hunt.learning.models import CLASSES, LabelSnapshotRow, ModelVersion, TrainingRun
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import InvalidTrainingParams, training_run_start
from tests.learning.conftest import TINY


@pytest.mark.django_db
def test_a_run_trains_on_posterior_vote_counts_and_records_the_recipe(
    labelled_workflow: Callable[..., Workflow], scientist_client: Any
) -> None:
    workflow = labelled_workflow()
    Workflow.objects.filter(pk=workflow.pk).update(posterior_retire_at=None)
    assert crowd_aggregate(workflow=workflow) is not None
    params = {**TINY, "label_loss": "dirichlet_multinomial", "label_concentration": 4.0}
    run = training_run_start(user=None, workflow=workflow, params=params, queue=False)
    assert run.snapshot.aggregation.startswith("dawid-skene")

    splits = pipeline._rows(run)
    rows = {
        row.subject_id: row
        for row in LabelSnapshotRow.objects.filter(snapshot=run.snapshot, source="crowd")
    }
    assert rows
    for ids, labels, _weights, counts in splits.values():
        for subject_id, label, row_counts in zip(ids, labels, counts, strict=True):
            row = rows.get(subject_id)
            if row is None or row.probabilities is None:
                assert row_counts[label] == row_counts.sum() >= 1
                continue
            assert np.allclose(row_counts, np.asarray(row.probabilities) * row.votes, atol=1e-6)
            assert CLASSES[int(np.argmax(row_counts))] == row.label

    training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    recipe = run.metrics["labels"]
    assert recipe["loss"] == "dirichlet_multinomial"
    assert recipe["concentration"] == 4.0
    assert recipe["aggregation"] == run.snapshot.aggregation
    assert ModelVersion.objects.get(run=run).params["label_loss"] == "dirichlet_multinomial"
    page = scientist_client.get(reverse("learning:training")).content.decode()
    assert f"{run.snapshot.aggregation}, dirichlet_multinomial" in page


@pytest.mark.django_db
def test_the_cross_entropy_recipe_is_recorded_and_bad_loss_params_are_refused(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow(20)
    for bad in (
        {"label_loss": "hinge"},
        {"label_concentration": 0},
        {"label_concentration": "ten"},
        {"aggregation": "majority"},
    ):
        with pytest.raises(InvalidTrainingParams):
            training_run_start(user=None, workflow=workflow, params={**TINY, **bad}, queue=False)
    assert TrainingRun.objects.count() == 0
    run = training_run_start(
        user=None, workflow=workflow, params={**TINY, "label_loss": "cross_entropy"}, queue=False
    )
    training_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert run.metrics["labels"]["loss"] == "cross_entropy"
    assert run.metrics["labels"]["aggregation"] == "plurality"
