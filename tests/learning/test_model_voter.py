"""The serving model as one more voter in the crowd job: only on subjects it did not train on."""

from collections.abc import Callable

import pytest

from hunt.classify.aggregation import crowd_aggregate
from hunt.classify.models import Workflow
from hunt.learning.models import LabelSnapshotRow, ModelVersion, Prediction
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import training_run_start
from tests.learning.conftest import TINY


@pytest.mark.django_db
def test_the_model_votes_only_where_it_did_not_train(
    labelled_workflow: Callable[..., Workflow],
) -> None:
    workflow = labelled_workflow()
    Workflow.objects.filter(pk=workflow.pk).update(posterior_retire_at=None)
    run = training_run_start(user=None, workflow=workflow, params=TINY, queue=False)
    training_run_execute(run.pk)
    champion = ModelVersion.objects.get(is_champion=True)
    trained = set(
        LabelSnapshotRow.objects.filter(snapshot=run.snapshot, split="train").values_list(
            "subject_id", flat=True
        )
    )
    predicted = set(
        Prediction.objects.filter(model_version=champion).values_list("subject_id", flat=True)
    )
    unseen = predicted - trained
    assert trained
    assert unseen  # validation regions (and any subject without a label)

    plain = crowd_aggregate(workflow=workflow, force=True)
    assert plain is not None
    assert plain.stats["model_votes"] == 0
    with_model = crowd_aggregate(workflow=workflow, model_voter=True)
    assert with_model is not None  # a change of voter set reruns without new votes
    assert with_model.params["model_voter"] is True
    assert with_model.stats["model_votes"] == len(unseen)
    assert with_model.volunteers == plain.volunteers  # the model is no volunteer
