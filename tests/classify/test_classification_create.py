"""Storing a classification: exactly once, validated, with consistent counts."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from hunt.classify.models import Classification, SubjectStatus, VolunteerProgress, Workflow
from hunt.classify.services import (
    AlreadyClassified,
    ClassificationError,
    IdempotencyConflict,
    SubjectRetired,
    UnknownSubject,
    classification_create,
)


def _classify(
    workflow: Workflow, volunteer: Any, subject_id: int, answer: str = "cluster", **kw: Any
) -> Any:
    return classification_create(
        workflow=workflow, volunteer=volunteer, subject_id=subject_id, answer=answer,
        idempotency_key=kw.pop("key", uuid.uuid4()), **kw,
    )  # fmt: skip


def _first_subject(workflow: Workflow) -> int:
    return (
        SubjectStatus.objects.filter(workflow=workflow)
        .order_by("priority")
        .values_list("subject_id", flat=True)[0]
    )


def test_a_classification_is_stored_with_the_workflow_version_and_counted(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(3)
    subject_id = _first_subject(workflow)
    result = _classify(
        workflow, anonymous(), subject_id, "cluster", redshift="high", ip="203.0.113.7"
    )

    assert result.created
    stored = result.classification
    assert (stored.answer, stored.redshift, stored.workflow_version) == (
        "cluster",
        "high",
        workflow.version,
    )
    assert stored.ip_hash
    assert "203.0.113.7" not in stored.ip_hash
    status = SubjectStatus.objects.get(workflow=workflow, subject_id=subject_id)
    assert (status.classification_count, status.cluster_count, status.cluster_high_count) == (
        1,
        1,
        1,
    )


def test_replaying_the_same_key_returns_the_original_and_changes_nothing(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(3)
    volunteer = anonymous()
    key = uuid.uuid4()
    subject_id = _first_subject(workflow)
    first = _classify(workflow, volunteer, subject_id, key=key)
    again = _classify(workflow, volunteer, subject_id, key=key)
    # The same key with another answer is not a retry (issue 17, A17): refused, nothing changes.
    with pytest.raises(IdempotencyConflict):
        _classify(workflow, volunteer, subject_id, "galaxy", key=key)

    assert not again.created
    assert again.classification.pk == first.classification.pk
    assert again.classification.answer == "cluster"
    assert Classification.objects.count() == 1
    assert (
        SubjectStatus.objects.get(workflow=workflow, subject_id=subject_id).classification_count
        == 1
    )


def test_a_second_classification_of_the_same_subject_is_a_duplicate(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(3)
    volunteer = anonymous()
    subject_id = _first_subject(workflow)
    _classify(workflow, volunteer, subject_id)
    with pytest.raises(AlreadyClassified):
        _classify(workflow, volunteer, subject_id)
    assert (
        SubjectStatus.objects.get(workflow=workflow, subject_id=subject_id).classification_count
        == 1
    )


def test_another_volunteers_key_is_refused(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(3)
    key = uuid.uuid4()
    _classify(workflow, anonymous(), _first_subject(workflow), key=key)
    with pytest.raises(ClassificationError, match="another volunteer"):
        _classify(workflow, anonymous(), _first_subject(workflow), key=key)


@pytest.mark.parametrize(
    ("answer", "redshift", "message"),
    [
        ("blob", "", "unknown answer"),
        ("cluster", "medium", "unknown redshift"),
        ("point", "low", "only given for a cluster"),
    ],
)
def test_bad_answers_are_refused(
    make_workflow: Callable[..., Workflow],
    anonymous: Callable[[], Any],
    answer: str,
    redshift: str,
    message: str,
) -> None:
    workflow = make_workflow(1)
    with pytest.raises(ClassificationError, match=message):
        _classify(workflow, anonymous(), _first_subject(workflow), answer, redshift=redshift)
    assert not Classification.objects.exists()


def test_unknown_and_retired_subjects_are_refused(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(2, retirement_limit=1)
    subject_id = _first_subject(workflow)
    with pytest.raises(UnknownSubject):
        _classify(workflow, anonymous(), 999_999)
    _classify(workflow, anonymous(), subject_id)
    with pytest.raises(SubjectRetired):
        _classify(workflow, anonymous(), subject_id)


def test_progress_counts_gold_agreement(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(0, gold=2, gold_label="point")
    volunteer = anonymous()
    gold_ids = list(
        SubjectStatus.objects.filter(workflow=workflow).values_list("subject_id", flat=True)
    )
    right = _classify(workflow, volunteer, gold_ids[0], "point")
    wrong = _classify(workflow, volunteer, gold_ids[1], "cluster")

    assert right.feedback is not None
    assert right.feedback.agrees
    assert wrong.feedback is not None
    assert not wrong.feedback.agrees
    assert right.feedback.expert_label_display == "Point source (star or AGN)"
    progress = VolunteerProgress.objects.get(volunteer=volunteer)
    assert (progress.seen_count, progress.gold_seen, progress.gold_correct) == (2, 2, 1)


def test_feedback_is_withheld_when_the_workflow_switches_it_off(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(0, gold=1, gold_feedback=False)
    gold_id = SubjectStatus.objects.get(workflow=workflow).subject_id
    result = _classify(workflow, anonymous(), gold_id, "point")
    assert result.feedback is None
    assert result.classification.was_gold
    assert not result.classification.feedback_shown
