"""Retirement: by count, by consensus, by expert verdict; rules edited in the admin apply at once."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.rules import RuleError, retirement_reason, rules_validate
from hunt.classify.services import (
    classification_create,
    workflow_rules_apply,
    workflow_subjects_sync,
)
from hunt.subjects.models import ExpertLabel
from tests.factories import SubjectFactory


def _vote(
    workflow: Workflow, subject_id: int, answers: list[str], anonymous: Callable[[], Any]
) -> SubjectStatus:
    for answer in answers:
        classification_create(
            workflow=workflow, volunteer=anonymous(), subject_id=subject_id, answer=answer,
            idempotency_key=uuid.uuid4(),
        )  # fmt: skip
    return SubjectStatus.objects.get(workflow=workflow, subject_id=subject_id)


def _subject(workflow: Workflow) -> int:
    return SubjectStatus.objects.filter(workflow=workflow).values_list("subject_id", flat=True)[0]


def test_a_subject_retires_exactly_at_the_classification_limit(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(1, retirement_limit=4)
    subject_id = _subject(workflow)
    assert _vote(workflow, subject_id, ["cluster", "galaxy", "point"], anonymous).retired_at is None
    status = _vote(workflow, subject_id, ["other"], anonymous)
    assert status.retired_at is not None
    assert status.retirement_reason == "classification_count"


def test_consensus_retires_early_only_when_agreement_is_high_enough(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    rules = [
        {"if": {"classifications_at_least": 5, "agreement_at_least": 0.8}, "reason": "consensus"}
    ]
    workflow = make_workflow(2, retirement_rules=rules)
    split, agreed = SubjectStatus.objects.filter(workflow=workflow).values_list(
        "subject_id", flat=True
    )
    assert (
        _vote(workflow, split, ["cluster"] * 3 + ["point"] * 2, anonymous).retired_at is None
    )  # 60 %
    assert _vote(workflow, agreed, ["cluster"] * 3, anonymous).retired_at is None  # too few
    status = _vote(workflow, agreed, ["cluster", "point"], anonymous)  # 4 of 5 = 80 %
    assert status.retirement_reason == "consensus"


def test_an_expert_artefact_retires_as_soon_as_the_subject_joins(
    make_workflow: Callable[..., Workflow],
) -> None:
    rules = [{"if": {"expert_label_in": ["other"]}, "reason": "expert_artefact"}]
    workflow = make_workflow(1, retirement_rules=rules)
    artefact = SubjectFactory.create(subject_set=workflow.subject_sets.get())
    ExpertLabel.objects.create(subject=artefact, source="experts", label="other", role="gold")
    workflow_subjects_sync(workflow=workflow)
    status = SubjectStatus.objects.get(workflow=workflow, subject=artefact)
    assert status.retirement_reason == "expert_artefact"


def test_rules_edited_in_the_admin_take_effect_without_a_restart(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any], staff_client: Client
) -> None:
    workflow = make_workflow(2, retirement_limit=15)
    first, second = SubjectStatus.objects.filter(workflow=workflow).values_list(
        "subject_id", flat=True
    )
    _vote(workflow, first, ["point", "point"], anonymous)

    form = {
        "name": workflow.name, "slug": workflow.slug, "question": workflow.question, "active": "on",
        "subject_sets": [s.pk for s in workflow.subject_sets.all()], "include_new_sets": "on",
        "ask_redshift": "on", "answer_help": '{"cluster": "c"}', "retirement_limit": "15",
        "retirement_rules": '[{"if": {"classifications_at_least": 2}, "reason": "two_votes"}]',
        "gold_schedule": '[[20, 0.4], [null, 0.1]]', "gold_feedback": "on",
        "hidden_gold_share": "0", "seed": "0", "posterior_retire_at": "0.995",
        "posterior_min_votes": "3",
    }  # fmt: skip
    response = staff_client.post(
        reverse("admin:classify_workflow_change", args=[workflow.pk]), form
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # The next request loads the workflow afresh and reads the new rule...
    workflow = Workflow.objects.get(pk=workflow.pk)
    assert _vote(workflow, second, ["galaxy", "galaxy"], anonymous).retirement_reason == "two_votes"
    # ...and the admin action re-checks subjects classified before the edit.
    assert workflow_rules_apply(workflow=workflow) == 1
    assert (
        SubjectStatus.objects.get(workflow=workflow, subject_id=first).retirement_reason
        == "two_votes"
    )
    assert workflow.version == 2  # answer help changed: classifications record the new version


def test_the_admin_refuses_malformed_rules(
    make_workflow: Callable[..., Workflow], staff_client: Client
) -> None:
    workflow = make_workflow(1)
    url = reverse("admin:classify_workflow_change", args=[workflow.pk])
    response = staff_client.post(
        url, {"name": "x", "slug": "x", "retirement_rules": '[{"if": {"bogus": 1}}]'}
    )
    assert response.status_code == 200
    assert (
        "expected" in response.content.decode() or "unknown condition" in response.content.decode()
    )


@pytest.mark.parametrize(
    "rules",
    [
        {"if": {}},
        [{"if": {"bogus": 1}, "reason": "x"}],
        [{"if": {}, "reason": "x"}],
        [{"reason": "x"}],
    ],
)
def test_rule_validation_names_the_problem(rules: Any) -> None:
    with pytest.raises(RuleError):
        rules_validate(rules)


def test_without_rules_only_the_limit_retires() -> None:
    counts = {"cluster": 3, "galaxy": 0, "point": 0, "other": 0}
    assert retirement_reason(counts=counts, total=3, expert_labels=[], rules=[], limit=4) == ""
    assert (
        retirement_reason(counts=counts, total=4, expert_labels=[], rules=[], limit=4)
        == "classification_count"
    )
