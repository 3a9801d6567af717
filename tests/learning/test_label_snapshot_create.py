"""Label snapshots: crowd consensus with a vote minimum, expert labels first, a reproducible hash."""

import uuid
from typing import Any

import pytest

from hunt.accounts.models import Volunteer
from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.services import classification_create, workflow_subjects_sync
from hunt.learning.models import LabelSnapshotRow
from hunt.learning.snapshots import label_snapshot_create
from hunt.subjects.models import ExpertLabel
from tests.factories import SubjectFactory, SubjectSetFactory


def _workflow(subjects: int) -> tuple[Workflow, list[Any]]:
    subject_set = SubjectSetFactory.create()
    created = SubjectFactory.create_batch(subjects, subject_set=subject_set)
    Workflow.objects.update(active=False)
    workflow = Workflow.objects.create(name="W", slug="w", retirement_rules=[], retirement_limit=0)
    workflow.subject_sets.add(subject_set)
    workflow_subjects_sync(workflow=workflow)
    return workflow, created


def _votes(workflow: Workflow, subject: Any, answers: list[tuple[str, str]]) -> None:
    for answer, redshift in answers:
        classification_create(
            workflow=workflow, volunteer=Volunteer.objects.create(), subject_id=subject.pk,
            answer=answer, redshift=redshift, idempotency_key=uuid.uuid4(),
        )  # fmt: skip


@pytest.mark.django_db
def test_consensus_needs_the_minimum_votes_and_experts_take_precedence() -> None:
    workflow, (voted, few, expert, nothing) = _workflow(4)
    _votes(
        workflow,
        voted,
        [("cluster", "high"), ("cluster", "high"), ("cluster", "low"), ("point", "")],
    )
    _votes(workflow, few, [("galaxy", ""), ("galaxy", "")])
    _votes(workflow, expert, [("cluster", "low")] * 3)
    ExpertLabel.objects.create(subject=expert, source="experts", label="point", role="gold")
    ExpertLabel.objects.create(
        subject=nothing, source="simulation", label="galaxy"
    )  # not a gold source

    snapshot = label_snapshot_create(workflow=workflow, min_votes=3)

    rows = {row.subject_id: row for row in LabelSnapshotRow.objects.filter(snapshot=snapshot)}
    assert set(rows) == {voted.pk, expert.pk}
    assert (rows[voted.pk].label, rows[voted.pk].source) == ("cluster_high_z", "crowd")
    assert rows[voted.pk].agreement == pytest.approx(0.75)
    assert rows[voted.pk].cluster_fraction == pytest.approx(0.75)
    assert (rows[expert.pk].label, rows[expert.pk].source) == ("point", "expert")
    assert snapshot.row_count == 2
    assert snapshot.counts["source"] == {"crowd": 1, "expert": 1}


@pytest.mark.django_db
def test_the_same_labels_give_the_same_hash_and_a_new_vote_changes_it() -> None:
    workflow, (subject, other) = _workflow(2)
    _votes(workflow, subject, [("other", "")] * 3)
    first = label_snapshot_create(workflow=workflow)
    again = label_snapshot_create(workflow=workflow)
    _votes(workflow, other, [("point", "")] * 3)
    changed = label_snapshot_create(workflow=workflow)

    assert first.sha256 == again.sha256
    assert changed.sha256 != first.sha256
    assert SubjectStatus.objects.filter(workflow=workflow).count() == 2
