"""Per-workflow retirement thresholds calibrated on gold to a target TPR/FPR, applied by the crowd job."""

from typing import Any

import pytest

from hunt.classify.aggregation import crowd_aggregate
from hunt.classify.crowd_simulation import crowd_simulate
from hunt.classify.models import SubjectStatus, Workflow
from tests.classify.test_crowd_aggregate import survey


def _noisy_survey(n: int, gold_every: int) -> Workflow:
    workflow = survey(n, gold_every=gold_every)
    # Three votes from a 60 %-right crowd: enough wrong gold labels to measure an FPR on.
    crowd_simulate(workflow=workflow, votes_per_subject=3, volunteers=20, accuracy=0.6, seed=3)
    return workflow


@pytest.mark.django_db
def test_a_target_fpr_sets_the_threshold_from_gold_and_retires_at_it(staff_client: Any) -> None:
    workflow = _noisy_survey(150, gold_every=2)
    # No fixed threshold: any posterior retirement below comes from the calibration.
    Workflow.objects.filter(pk=workflow.pk).update(
        posterior_retire_at=None, posterior_target_fpr=0.2, posterior_target_tpr=0.05
    )
    workflow.refresh_from_db()
    run = crowd_aggregate(workflow=workflow)
    assert run is not None
    calibration = run.stats["calibration"]
    assert calibration["gold"] == run.stats["gold_judged"] == 75
    assert calibration["wrong"] >= 5, calibration
    assert calibration["threshold"] is not None, calibration
    assert calibration["fpr"] <= 0.2
    assert calibration["met"]
    assert calibration["tpr"] >= 0.05
    workflow.refresh_from_db()
    assert workflow.posterior_calibrated_at == calibration["threshold"] == run.stats["retire_at"]
    retired = SubjectStatus.objects.filter(workflow=workflow, retirement_reason="posterior")
    assert run.retired == retired.count() > 0
    assert retired.count() < SubjectStatus.objects.filter(workflow=workflow).count()

    page = staff_client.get(f"/admin/classify/workflow/{workflow.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"threshold {calibration['threshold']:.5g}" in text
    assert "posterior_target_fpr" in text
    # A target outside (0, 1) is refused by the form.
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        subject_sets=[s.pk for s in workflow.subject_sets.all()],
        answer_help='{"cluster": "x"}', retirement_rules="[]",
        gold_schedule="[[null, 0.1]]", posterior_target_fpr="1.5",
    )  # fmt: skip
    refused = staff_client.post(f"/admin/classify/workflow/{workflow.pk}/change/", data)
    assert refused.status_code == 200  # the form again, with the error
    assert "posterior_target_fpr" in refused.context["adminform"].form.errors
    workflow.refresh_from_db()
    assert workflow.posterior_target_fpr == 0.2


@pytest.mark.django_db
def test_too_little_gold_falls_back_to_the_fixed_threshold_and_says_why() -> None:
    workflow = _noisy_survey(40, gold_every=8)
    Workflow.objects.filter(pk=workflow.pk).update(
        posterior_retire_at=0.9, posterior_target_fpr=0.05, posterior_calibrated_at=0.5
    )
    workflow.refresh_from_db()
    run = crowd_aggregate(workflow=workflow)
    assert run is not None
    assert run.stats["calibration"]["threshold"] is None
    assert "needed" in run.stats["calibration"]["note"]
    assert run.stats["retire_at"] == 0.9
    workflow.refresh_from_db()
    assert workflow.posterior_calibrated_at is None  # the stale calibration is cleared
    # Without a target nothing is calibrated and the fixed threshold applies.
    Workflow.objects.filter(pk=workflow.pk).update(posterior_target_fpr=None)
    workflow.refresh_from_db()
    again = crowd_aggregate(workflow=workflow, force=True)
    assert again is not None
    assert again.stats["calibration"] is None
    assert again.stats["retire_at"] == 0.9
