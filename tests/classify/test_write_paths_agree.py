"""The one-statement PostgreSQL path and the ORM path (the demo's SQLite) store the same thing.

Both run here on PostgreSQL: the same votes go through each path into twin workflows, and every row they
leave behind (classifications, counts, retirement, progress) and every answer they give must match.
"""

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from hunt.accounts.models import Volunteer
from hunt.classify import services
from hunt.classify.models import Classification, SubjectStatus, VolunteerProgress, Workflow
from hunt.classify.services import ClassificationError, classification_create
from hunt.subjects.models import ExpertLabel, Subject

RULES = [{"if": {"classifications_at_least": 3, "agreement_at_least": 0.6}, "reason": "consensus"}]


def _run(workflow: Workflow, volunteers: list[Volunteer], single_statement: bool,
         monkeypatch: pytest.MonkeyPatch) -> list[Any]:  # fmt: skip
    monkeypatch.setattr(services, "_single_statement_available", lambda: single_statement)
    subjects = list(
        SubjectStatus.objects.filter(workflow=workflow)
        .order_by("subject__external_id")
        .values_list("subject_id", flat=True)
    )
    answers = ["cluster", "cluster", "galaxy", "cluster", "point", "cluster"]
    outcomes: list[Any] = []
    for v, volunteer in enumerate(volunteers):
        for s, subject_id in enumerate(subjects):
            answer = answers[(v + s) % len(answers)]
            key = uuid.uuid4()
            for attempt in (key, key, uuid.uuid4()):  # a retry, then a double click with a new key
                try:
                    result = classification_create(
                        workflow=workflow, volunteer=volunteer, subject_id=subject_id,
                        answer=answer, redshift="low" if answer == "cluster" else "",
                        idempotency_key=attempt, viewer_state={"blink": v % 2 == 0},
                        time_spent_ms=1000 + v,
                    )  # fmt: skip
                except ClassificationError as error:
                    outcomes.append((v, s, error.code))
                    continue
                feedback = result.feedback and vars(result.feedback)
                outcomes.append((v, s, result.created, feedback, result.seen_count))
    return outcomes


def _rows(workflow: Workflow, volunteers: list[Volunteer]) -> dict[str, Any]:
    index = {volunteer.pk: n for n, volunteer in enumerate(volunteers)}

    def subject(subject_id: int) -> str:
        return str(Subject.objects.get(pk=subject_id).external_id)

    statuses = {
        subject(s.subject_id)[2:]: (
            s.classification_count,
            s.answer_counts(),
            s.cluster_low_count,
            s.retirement_reason,
            s.retired_at is not None,
            s.gold_label,
        )
        for s in SubjectStatus.objects.filter(workflow=workflow)
    }
    classifications = sorted(
        (
            subject(c.subject_id)[2:],
            index[c.volunteer_id],
            c.answer,
            c.redshift,
            c.was_gold,
            c.feedback_shown,
            c.viewer_state,
            c.workflow_version,
            c.time_spent_ms,
        )
        for c in Classification.objects.filter(workflow=workflow)
    )
    progress = sorted(
        (index[p.volunteer_id], p.seen_count, p.gold_seen, p.gold_correct, p.cursor_epoch)
        for p in VolunteerProgress.objects.filter(workflow=workflow)
    )
    return {"statuses": statuses, "classifications": classifications, "progress": progress}


def test_both_paths_leave_the_same_rows_and_answers(
    make_workflow: Callable[..., Workflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    results = {}
    for single_statement in (True, False):
        # Twin workflows: same rules and subjects (external ids match by suffix), half of them gold;
        # feedback is never hidden (the draw depends on volunteer ids, which differ between the runs).
        workflow = make_workflow(3, gold=3, gold_label="cluster_low_z", retirement_rules=RULES,
                                 slug=f"twin-{int(single_statement)}")  # fmt: skip
        for n, status in enumerate(SubjectStatus.objects.filter(workflow=workflow).order_by("pk")):
            status.subject.external_id = f"{int(single_statement)}-{n}"
            status.subject.save(update_fields=["external_id"])
        volunteers = [Volunteer.objects.create() for _ in range(5)]
        outcomes = _run(workflow, volunteers, single_statement, monkeypatch)
        results[single_statement] = (outcomes, _rows(workflow, volunteers))

    statement_outcomes, statement_rows = results[True]
    orm_outcomes, orm_rows = results[False]
    assert statement_outcomes == orm_outcomes
    assert statement_rows == orm_rows
    # The votes exercised every branch: stored, replayed, duplicate, retired, gold feedback, consensus.
    assert {o[2] for o in statement_outcomes} >= {True, False, "duplicate", "retired"}
    assert any(o[3] for o in statement_outcomes if len(o) == 5)
    assert {s[3] for s in statement_rows["statuses"].values()} == {"consensus"}


@pytest.mark.parametrize("single_statement", [True, False])
def test_an_edited_gold_label_reaches_the_feedback(
    make_workflow: Callable[..., Workflow], monkeypatch: pytest.MonkeyPatch, single_statement: bool
) -> None:
    monkeypatch.setattr(services, "_single_statement_available", lambda: single_statement)
    workflow = make_workflow(0, gold=2, gold_label="point")
    first, second = SubjectStatus.objects.filter(workflow=workflow).order_by("pk")
    assert first.gold_label == "point"
    ExpertLabel.objects.filter(subject_id=first.subject_id).update(label="galaxy")  # no signal
    label = ExpertLabel.objects.get(subject_id=first.subject_id)
    label.save()  # an admin's edit
    ExpertLabel.objects.get(subject_id=second.subject_id).delete()
    volunteer = Volunteer.objects.create()

    result = classification_create(workflow=workflow, volunteer=volunteer, subject_id=first.subject_id,
                                   answer="galaxy", idempotency_key=uuid.uuid4())  # fmt: skip
    assert result.feedback is not None
    assert (result.feedback.expert_label, result.feedback.agrees) == ("galaxy", True)
    silent = classification_create(workflow=workflow, volunteer=volunteer,
                                   subject_id=second.subject_id, answer="point",
                                   idempotency_key=uuid.uuid4())  # fmt: skip
    assert silent.feedback is None
    assert not silent.classification.feedback_shown
    progress = VolunteerProgress.objects.get(volunteer=volunteer, workflow=workflow)
    assert (progress.seen_count, progress.gold_seen, progress.gold_correct) == (2, 2, 1)
