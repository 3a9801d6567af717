"""Writes of the classification app: syncing subjects into workflows, classifying, retiring, merging."""

import json
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from hunt.accounts.models import Volunteer
from hunt.classify.classification_sql import (
    COUNTED_COLUMNS,
    classification_statement,
    vote_increments,
)
from hunt.classify.models import (
    ANSWERS,
    REDSHIFTS,
    Classification,
    SubjectStatus,
    VolunteerProgress,
    Workflow,
)
from hunt.classify.rules import retirement_reason, seeded_random
from hunt.core.client import client_ip_hash
from hunt.core.db import int8, prepared_cursor
from hunt.subjects.labels import LABEL_TO_ANSWER, Label
from hunt.subjects.models import ExpertLabel, Subject


class ClassificationError(Exception):
    """A classification that cannot be stored; `status` is the HTTP status an API should answer."""

    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownSubject(ClassificationError):
    status = 404
    code = "unknown_subject"


class AlreadyClassified(ClassificationError):
    status = 409
    code = "duplicate"


class SubjectRetired(ClassificationError):
    status = 409
    code = "retired"


class IdempotencyConflict(ClassificationError):
    status = 409
    code = "idempotency_conflict"


@dataclass(frozen=True)
class Feedback:
    expert_label: str
    expert_label_display: str
    agrees: bool


@dataclass(frozen=True)
class ClassificationResult:
    classification: Classification
    created: bool
    feedback: Feedback | None
    # The volunteer's classifications in this workflow, from their progress row (what the page shows).
    seen_count: int | None = None


# --- Workflow membership ---------------------------------------------------------------------------


@transaction.atomic
def workflow_subjects_sync(*, workflow: Workflow) -> int:
    """Give every subject of the workflow's sets a status row (priority, gold flag); returns how many are new.

    Priorities are a seeded pseudo-random order until the learning loop writes its own. Subjects whose gold
    label already satisfies a retirement rule (e.g. an artefact) are retired at once; training and
    evaluation-only labels never retire anything.
    """
    have = set(SubjectStatus.objects.filter(workflow=workflow).values_list("subject_id", flat=True))
    subject_ids = [
        pk
        for pk in Subject.objects.filter(subject_set__in=workflow.subject_sets.all()).values_list(
            "pk", flat=True
        )
        if pk not in have
    ]
    if not subject_ids:
        return 0
    labels: dict[int, list[str]] = {}
    for subject_id, label in (
        ExpertLabel.objects.gold()
        .filter(subject_id__in=subject_ids)
        .order_by("pk")
        .values_list("subject_id", "label")
    ):
        labels.setdefault(subject_id, []).append(label)
    now = timezone.now()
    statuses = []
    for subject_id in subject_ids:
        gold_labels = labels.get(subject_id, [])
        reason = retirement_reason(
            counts={}, total=0, expert_labels=gold_labels, rules=workflow.retirement_rules, limit=0,
        )  # fmt: skip
        statuses.append(
            SubjectStatus(
                workflow=workflow,
                subject_id=subject_id,
                priority=seeded_random(workflow.seed, subject_id),
                is_gold=bool(gold_labels),
                gold_label=gold_labels[0] if gold_labels else "",
                retired_at=now if reason else None,
                retirement_reason=reason,
            )
        )
    SubjectStatus.objects.bulk_create(statuses, batch_size=2000, ignore_conflicts=True)
    return len(statuses)


# --- Classifying ---------------------------------------------------------------------------------------


def _validate_answer(workflow: Workflow, answer: str, redshift: str) -> None:
    if answer not in ANSWERS:
        raise ClassificationError(
            f"unknown answer {answer!r}: expected one of {', '.join(ANSWERS)}"
        )
    if redshift and redshift not in REDSHIFTS:
        raise ClassificationError(f"unknown redshift {redshift!r}: expected 'low', 'high' or empty")
    if redshift and (answer != "cluster" or not workflow.ask_redshift):
        raise ClassificationError(
            "a redshift is only given for a cluster, in a workflow that asks for it"
        )


def _constraint(error: IntegrityError) -> str:
    """The name of the violated constraint (a foreign-key error is not a duplicate, so never guess)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _gold_agrees(label: str, answer: str, redshift: str) -> bool:
    """Whether an answer agrees with a gold label (an unstated redshift on either side is no disagreement)."""
    expected_answer, expected_redshift = LABEL_TO_ANSWER[Label(label)]
    return answer == expected_answer and (
        not expected_redshift or not redshift or redshift == expected_redshift
    )


@cache  # per answer and redshift (a dozen); the list is only read, never changed
def _agreeing(answer: str, redshift: str) -> list[str]:
    """The gold labels an answer agrees with (the statement counts a gold answer correct by them)."""
    return [label.value for label in Label if _gold_agrees(label, answer, redshift)]


def _gold_feedback(gold_label: str, answer: str, redshift: str) -> Feedback | None:
    if not gold_label:
        return None
    return Feedback(
        expert_label=gold_label,
        expert_label_display=Label(gold_label).label,
        agrees=_gold_agrees(gold_label, answer, redshift),
    )


def _feedback_visible(workflow: Workflow, volunteer: Volunteer, subject_id: int) -> bool:
    """Whether gold feedback on this subject is shown to this volunteer (if the subject is gold).

    Some gold stays silent, so skill can be measured on answers no feedback has shaped.
    """
    return workflow.gold_feedback and not (
        seeded_random(workflow.seed, "hidden", volunteer.pk, subject_id)
        < workflow.hidden_gold_share
    )


def _single_statement_available() -> bool:
    """PostgreSQL stores a classification in one statement; other databases (the demo's SQLite) use the ORM."""
    return connection.vendor == "postgresql"


def classification_create(
    *,
    workflow: Workflow,
    volunteer: Volunteer,
    subject_id: int,
    answer: str,
    redshift: str = "",
    idempotency_key: uuid.UUID,
    time_spent_ms: int | None = None,
    viewer_state: dict[str, Any] | None = None,
    user_agent: str = "",
    ip: str = "",
) -> ClassificationResult:
    """Store one classification, exactly once, and keep the subject's counts and retirement consistent.

    A replay of the same idempotency key returns the original classification (created=False) and changes
    nothing. Concurrent submissions are serialised by the database: the unique constraints reject
    duplicates, and counts are incremented in SQL under the status row's lock, so no vote is lost or counted
    twice.
    """
    _validate_answer(workflow, answer, redshift)
    vote = _Vote(
        workflow=workflow, volunteer=volunteer, subject_id=subject_id, answer=answer, redshift=redshift,
        idempotency_key=idempotency_key, time_spent_ms=time_spent_ms, viewer_state=viewer_state or {},
        user_agent=user_agent[:300], ip_hash=client_ip_hash(ip),
    )  # fmt: skip
    insert = _classification_insert_sql if _single_statement_available() else _classification_insert
    # The common case is a new classification, so try it first; a replay shows up as a conflict (or as a
    # retired subject, when the original classification was the one that retired it).
    try:
        return insert(vote)
    except SubjectRetired:
        replay = _replay(vote)
        if replay is not None:
            return replay
        raise
    except IntegrityError as error:
        name = _constraint(error)
        replay = _replay(vote)
        if replay is not None:
            return replay
        if name == "classification_idempotency_key":
            raise ClassificationError(
                "this idempotency key belongs to another volunteer"
            ) from error
        if name == "classification_one_per_volunteer_subject":
            raise AlreadyClassified("you have already classified this subject") from error
        raise


@dataclass(frozen=True)
class _Vote:
    """One validated classification on its way into the database."""

    workflow: Workflow
    volunteer: Volunteer
    subject_id: int
    answer: str
    redshift: str
    idempotency_key: uuid.UUID
    time_spent_ms: int | None
    viewer_state: dict[str, Any]
    user_agent: str
    ip_hash: str

    def classification(self, **fields: Any) -> Classification:
        return Classification(
            workflow=self.workflow, workflow_version=self.workflow.version,
            subject_id=self.subject_id, volunteer=self.volunteer, answer=self.answer,
            redshift=self.redshift, idempotency_key=self.idempotency_key,
            time_spent_ms=self.time_spent_ms, viewer_state=self.viewer_state,
            user_agent=self.user_agent, ip_hash=self.ip_hash,
            logged_in_at_classification=self.logged_in, **fields,
        )  # fmt: skip

    @property
    def logged_in(self) -> bool:
        # Zooniverse's rule: a vote made before sign-up stays anonymous in the exports, even once the
        # volunteer's account absorbs it.
        return self.volunteer.user_id is not None


def _replay(vote: _Vote) -> ClassificationResult | None:
    existing = Classification.objects.filter(idempotency_key=vote.idempotency_key).first()
    if existing is None:
        return None
    if existing.volunteer_id != vote.volunteer.pk:
        raise ClassificationError("this idempotency key belongs to another volunteer")
    if (existing.subject_id, existing.answer, existing.redshift) != (
        vote.subject_id, vote.answer, vote.redshift,
    ):  # fmt: skip
        raise IdempotencyConflict(
            "this idempotency key was already used for a different classification "
            f"(subject {existing.subject_id}, answer {existing.answer!r}): send a new key"
        )
    seen = (
        VolunteerProgress.objects.filter(volunteer=vote.volunteer, workflow_id=existing.workflow_id)
        .values_list("seen_count", flat=True)
        .first()
    )
    return ClassificationResult(
        classification=existing, created=False, feedback=None, seen_count=seen
    )


def _missing_status(vote: _Vote) -> ClassificationError:
    """Why no active status row took the vote: the subject is not in the workflow, or it is retired."""
    if not SubjectStatus.objects.filter(
        workflow=vote.workflow, subject_id=vote.subject_id
    ).exists():
        return UnknownSubject(
            f"subject {vote.subject_id} is not part of workflow {vote.workflow.slug!r}"
        )
    return SubjectRetired(f"subject {vote.subject_id} is retired and needs no more classifications")


def _retire_if_due(vote: _Vote, status: "_Counted") -> None:
    """Retire the subject when the counts including this vote satisfy a vote rule.

    Expert verdicts retire subjects when they join the workflow (and when an admin re-applies the rules);
    here only the votes change, so only vote rules can newly apply. A statement of its own, run only by the
    vote that reaches a rule.
    """
    reason = retirement_reason(
        counts=status.counts, total=status.total, expert_labels=[],
        rules=vote.workflow.retirement_rules, limit=vote.workflow.retirement_limit,
    )  # fmt: skip
    if reason:
        SubjectStatus.objects.filter(pk=status.pk, retired_at__isnull=True).update(
            retired_at=timezone.now(), retirement_reason=reason
        )


def _result(vote: _Vote, status: "_Counted", classification: Classification, seen: int | None
            ) -> ClassificationResult:  # fmt: skip
    feedback = (
        _gold_feedback(status.gold_label, vote.answer, vote.redshift) if status.is_gold else None
    )
    return ClassificationResult(
        classification=classification,
        created=True,
        feedback=feedback if classification.feedback_shown else None,
        seen_count=seen,
    )


def _classification_insert_sql(vote: _Vote) -> ClassificationResult:
    """PostgreSQL: the vote, the classification and the progress in one statement (`classification_sql`)."""
    now = timezone.now()
    # Integers bound as bigint, so each variant of the statement is one prepared statement (hunt.core.db).
    params: dict[str, Any] = {
        "workflow": int8(vote.workflow.pk), "version": int8(vote.workflow.version),
        "epoch": int8(vote.workflow.priority_epoch), "subject": int8(vote.subject_id),
        "volunteer": int8(vote.volunteer.pk), "answer": vote.answer, "redshift": vote.redshift,
        "key": vote.idempotency_key, "now": now, "time_spent_ms": int8(vote.time_spent_ms),
        "viewer_state": json.dumps(vote.viewer_state), "user_agent": vote.user_agent,
        "ip_hash": vote.ip_hash, "logged_in": vote.logged_in,
        "feedback_visible": _feedback_visible(vote.workflow, vote.volunteer, vote.subject_id),
        "agreeing": _agreeing(vote.answer, vote.redshift),
    }  # fmt: skip
    sql = classification_statement(answer=vote.answer, redshift=vote.redshift)
    # In autocommit the statement is its own transaction: one round trip, one commit. Inside a caller's
    # transaction a savepoint keeps a refused insert (a duplicate, a replay) from aborting that transaction.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with savepoint, prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise _missing_status(vote)
    classification_id, status_pk, is_gold, gold_label, total, *counts, seen = row
    # priority only feeds the ORM path's cursor update; the statement moved the cursors itself.
    status = _Counted(
        pk=status_pk, priority=0.0, is_gold=bool(is_gold), gold_label=gold_label, total=total,
        counts=dict(zip(ANSWERS, counts, strict=True)),
    )  # fmt: skip
    _retire_if_due(vote, status)
    classification = vote.classification(
        pk=classification_id, was_gold=status.is_gold, created_at=now,
        feedback_shown=bool(status.is_gold and status.gold_label and params["feedback_visible"]),
    )  # fmt: skip
    return _result(vote, status, classification, seen)


@transaction.atomic
def _classification_insert(vote: _Vote) -> ClassificationResult:
    """Other databases: the same steps through the ORM, in one transaction that holds the status row's lock."""
    status = _vote_count(vote)
    classification = vote.classification(
        was_gold=status.is_gold,
        feedback_shown=bool(
            status.is_gold
            and status.gold_label
            and _feedback_visible(vote.workflow, vote.volunteer, vote.subject_id)
        ),
    )
    classification.save(force_insert=True)
    _retire_if_due(vote, status)
    seen = _progress_advance(vote, status)
    return _result(vote, status, classification, seen)


@dataclass(frozen=True)
class _Counted:
    """A subject's status right after our vote was added (the row stays locked until commit)."""

    pk: int
    priority: float
    is_gold: bool
    gold_label: str
    total: int
    counts: dict[str, int]


def _vote_count(vote: _Vote) -> _Counted:
    """Add one vote to an active subject's counts in a single UPDATE ... RETURNING (which locks the row)."""
    sql = (
        f"UPDATE {SubjectStatus._meta.db_table} SET {vote_increments(vote.answer, vote.redshift)} "
        f"WHERE workflow_id = %s AND subject_id = %s AND retired_at IS NULL RETURNING {COUNTED_COLUMNS}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [vote.workflow.pk, vote.subject_id])
        row = cursor.fetchone()
    if row is None:
        raise _missing_status(vote)
    pk, priority, is_gold, gold_label, total, *counts = row
    return _Counted(
        pk=pk, priority=priority, is_gold=bool(is_gold), gold_label=gold_label, total=total,
        counts=dict(zip(ANSWERS, counts, strict=True)),
    )  # fmt: skip


def _progress_advance(vote: _Vote, status: _Counted) -> int | None:
    workflow, volunteer = vote.workflow, vote.volunteer
    changes: dict[str, Any] = {"seen_count": F("seen_count") + 1}
    # The walk moves past what was classified, so the next selection never rescans it.
    cursor = "gold_cursor" if status.is_gold else "cursor"
    changes[cursor] = Greatest(F(cursor), status.priority)
    if status.is_gold:
        changes["gold_seen"] = F("gold_seen") + 1
        if status.gold_label and _gold_agrees(status.gold_label, vote.answer, vote.redshift):
            changes["gold_correct"] = F("gold_correct") + 1
    mine = VolunteerProgress.objects.filter(volunteer=volunteer, workflow=workflow)
    if not mine.update(**changes):
        # First classification in this workflow (selection usually created the row already).
        # ignore_conflicts: the same volunteer's concurrent first classification may create it meanwhile.
        VolunteerProgress.objects.bulk_create(
            [
                VolunteerProgress(
                    volunteer=volunteer, workflow=workflow, cursor_epoch=workflow.priority_epoch
                )
            ],
            ignore_conflicts=True,
        )
        mine.update(**changes)
    return mine.values_list("seen_count", flat=True).first()


def subject_gold_label_refresh(*, subject_id: int) -> None:
    """After a gold label of the subject changed: its gold status rows take the first gold label again."""
    first = (
        ExpertLabel.objects.gold()
        .filter(subject_id=subject_id)
        .order_by("pk")
        .values_list("label", flat=True)
        .first()
    )
    SubjectStatus.objects.filter(subject_id=subject_id, is_gold=True).update(gold_label=first or "")


@transaction.atomic
def workflow_rules_apply(*, workflow: Workflow) -> int:
    """Re-check every active subject against the current rules (after an admin edits them); returns retired."""
    retired = 0
    active = SubjectStatus.objects.filter(workflow=workflow, retired_at__isnull=True)
    labels: dict[int, list[str]] = {}
    for subject_id, label in (
        ExpertLabel.objects.gold()
        .filter(subject__statuses__in=active)
        .values_list("subject_id", "label")
    ):
        labels.setdefault(subject_id, []).append(label)
    now = timezone.now()
    for status in active.iterator():
        reason = retirement_reason(
            counts=status.answer_counts(), total=status.classification_count,
            expert_labels=labels.get(status.subject_id, []), rules=workflow.retirement_rules,
            limit=workflow.retirement_limit,
        )  # fmt: skip
        if reason:
            retired += SubjectStatus.objects.filter(pk=status.pk).update(
                retired_at=now, retirement_reason=reason
            )
    return retired


# --- Accounts: anonymous work handed to an account ------------------------------------------------------


def classifications_merge(source: Volunteer, target: Volunteer) -> None:
    """Move an anonymous volunteer's classifications to their account.

    Where both classified the same subject, the account's classification stands and the anonymous one is
    removed from the counts, so nothing is counted twice.
    """
    duplicates = Classification.objects.filter(
        volunteer=source,
        subject_id__in=Classification.objects.filter(volunteer=target).values("subject_id"),
    )
    for duplicate in duplicates.select_related("workflow"):
        decrements: dict[str, Any] = {
            "classification_count": F("classification_count") - 1,
            f"{duplicate.answer}_count": F(f"{duplicate.answer}_count") - 1,
        }
        if duplicate.redshift:
            decrements[f"cluster_{duplicate.redshift}_count"] = (
                F(f"cluster_{duplicate.redshift}_count") - 1
            )
        SubjectStatus.objects.filter(
            workflow=duplicate.workflow, subject_id=duplicate.subject_id
        ).update(**decrements)
        duplicate.delete()
    Classification.objects.filter(volunteer=source).update(volunteer=target)
    for progress in VolunteerProgress.objects.filter(volunteer=source):
        VolunteerProgress.objects.filter(volunteer=target, workflow=progress.workflow).update(
            seen_count=F("seen_count") + progress.seen_count,
            gold_seen=F("gold_seen") + progress.gold_seen,
            gold_correct=F("gold_correct") + progress.gold_correct,
        )
        if not VolunteerProgress.objects.filter(
            volunteer=target, workflow=progress.workflow
        ).exists():
            progress.volunteer = target
            progress.save(update_fields=["volunteer"])
    VolunteerProgress.objects.filter(volunteer=source).delete()
