"""Writes of the classification app: syncing subjects into workflows, classifying, retiring, merging."""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from hunt.accounts.models import Volunteer
from hunt.classify.models import (
    ANSWERS,
    REDSHIFTS,
    Classification,
    SubjectStatus,
    VolunteerProgress,
    Workflow,
)
from hunt.classify.rules import retirement_reason, seeded_random
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
                retired_at=now if reason else None,
                retirement_reason=reason,
            )
        )
    SubjectStatus.objects.bulk_create(statuses, batch_size=2000, ignore_conflicts=True)
    return len(statuses)


# --- Classifying ---------------------------------------------------------------------------------------


def _hash_ip(ip: str) -> str:
    if not ip:
        return ""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip}".encode()).hexdigest()


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


def _gold_feedback(
    workflow: Workflow, subject_id: int, answer: str, redshift: str
) -> Feedback | None:
    label = (
        ExpertLabel.objects.gold()
        .filter(subject_id=subject_id)
        .order_by("pk")
        .values_list("label", flat=True)
        .first()
    )
    if label is None:
        return None
    expected_answer, expected_redshift = LABEL_TO_ANSWER[Label(label)]
    agrees = answer == expected_answer and (
        not expected_redshift or not redshift or redshift == expected_redshift
    )
    return Feedback(expert_label=label, expert_label_display=Label(label).label, agrees=agrees)


def _feedback_hidden(workflow: Workflow, volunteer: Volunteer, subject_id: int) -> bool:
    # Some gold stays silent, so skill can be measured on answers no feedback has shaped.
    return (
        seeded_random(workflow.seed, "hidden", volunteer.pk, subject_id)
        < workflow.hidden_gold_share
    )


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
    duplicates, and counts are incremented in SQL, so no vote is lost or counted twice.
    """
    _validate_answer(workflow, answer, redshift)
    # The common case is a new classification, so try it first; a replay shows up as a conflict (or as a
    # retired subject, when the original classification was the one that retired it).
    try:
        return _classification_insert(
            workflow=workflow, volunteer=volunteer, subject_id=subject_id, answer=answer, redshift=redshift,
            idempotency_key=idempotency_key, time_spent_ms=time_spent_ms, viewer_state=viewer_state or {},
            user_agent=user_agent[:300], ip_hash=_hash_ip(ip),
        )  # fmt: skip
    except SubjectRetired:
        replay = _replay(idempotency_key, volunteer, subject_id, answer, redshift)
        if replay is not None:
            return replay
        raise
    except IntegrityError as error:
        name = _constraint(error)
        replay = _replay(idempotency_key, volunteer, subject_id, answer, redshift)
        if replay is not None:
            return replay
        if name == "classification_idempotency_key":
            raise ClassificationError(
                "this idempotency key belongs to another volunteer"
            ) from error
        if name == "classification_one_per_volunteer_subject":
            raise AlreadyClassified("you have already classified this subject") from error
        raise


def _replay(
    idempotency_key: uuid.UUID, volunteer: Volunteer, subject_id: int, answer: str, redshift: str
) -> ClassificationResult | None:
    existing = Classification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.volunteer_id != volunteer.pk:
        raise ClassificationError("this idempotency key belongs to another volunteer")
    if (existing.subject_id, existing.answer, existing.redshift) != (subject_id, answer, redshift):
        raise IdempotencyConflict(
            "this idempotency key was already used for a different classification "
            f"(subject {existing.subject_id}, answer {existing.answer!r}): send a new key"
        )
    return ClassificationResult(classification=existing, created=False, feedback=None)


@transaction.atomic
def _classification_insert(
    *, workflow: Workflow, volunteer: Volunteer, subject_id: int, answer: str, redshift: str,
    idempotency_key: uuid.UUID, time_spent_ms: int | None, viewer_state: dict[str, Any],
    user_agent: str, ip_hash: str,
) -> ClassificationResult:  # fmt: skip
    status = _vote_count(workflow, subject_id, answer, redshift)
    hidden = status.is_gold and _feedback_hidden(workflow, volunteer, subject_id)
    feedback = (
        _gold_feedback(workflow, status.subject_id, answer, redshift) if status.is_gold else None
    )
    classification = Classification.objects.create(
        workflow=workflow,
        workflow_version=workflow.version,
        subject_id=subject_id,
        volunteer=volunteer,
        answer=answer,
        redshift=redshift,
        idempotency_key=idempotency_key,
        was_gold=status.is_gold,
        logged_in_at_classification=volunteer.user_id is not None,
        feedback_shown=bool(feedback and workflow.gold_feedback and not hidden),
        time_spent_ms=time_spent_ms,
        viewer_state=viewer_state,
        user_agent=user_agent,
        ip_hash=ip_hash,
    )
    # Expert verdicts retire subjects when they join the workflow (and when an admin re-applies the rules);
    # here only the votes change, so only vote rules can newly apply.
    reason = retirement_reason(
        counts=status.counts, total=status.total, expert_labels=[],
        rules=workflow.retirement_rules, limit=workflow.retirement_limit,
    )  # fmt: skip
    if reason:
        SubjectStatus.objects.filter(pk=status.pk).update(
            retired_at=timezone.now(), retirement_reason=reason
        )
    _progress_advance(workflow, volunteer, status, feedback)
    return ClassificationResult(
        classification=classification,
        created=True,
        feedback=feedback if classification.feedback_shown else None,
    )


@dataclass(frozen=True)
class _Counted:
    """A subject's status right after our vote was added (the row stays locked until commit)."""

    pk: int
    subject_id: int
    priority: float
    is_gold: bool
    total: int
    counts: dict[str, int]


def _vote_count(workflow: Workflow, subject_id: int, answer: str, redshift: str) -> _Counted:
    """Add one vote to an active subject's counts in a single UPDATE ... RETURNING.

    The UPDATE locks the row, so concurrent votes on one subject are serialised and each sees the counts
    including every earlier vote: nothing is lost, and the vote that reaches a retirement rule sees it.
    Column names come from validated answers only (never from raw input).
    """
    if answer not in ANSWERS or redshift not in ("", *REDSHIFTS):
        raise ClassificationError(
            "invalid answer"
        )  # _validate_answer ran first; belt and braces for SQL
    increments = ["classification_count", f"{answer}_count"] + (
        [f"cluster_{redshift}_count"] if redshift else []
    )
    assignments = ", ".join(f"{column} = {column} + 1" for column in increments)
    returned = ", ".join(f"{answer_name}_count" for answer_name in ANSWERS)
    sql = (
        f"UPDATE {SubjectStatus._meta.db_table} SET {assignments} "
        "WHERE workflow_id = %s AND subject_id = %s AND retired_at IS NULL "
        f"RETURNING id, priority, is_gold, classification_count, {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [workflow.pk, subject_id])
        row = cursor.fetchone()
    if row is None:
        exists = SubjectStatus.objects.filter(workflow=workflow, subject_id=subject_id).exists()
        if not exists:
            raise UnknownSubject(f"subject {subject_id} is not part of workflow {workflow.slug!r}")
        raise SubjectRetired(f"subject {subject_id} is retired and needs no more classifications")
    pk, priority, is_gold, total, *counts = row
    return _Counted(
        pk=pk, subject_id=subject_id, priority=priority, is_gold=bool(is_gold), total=total,
        counts=dict(zip(ANSWERS, counts, strict=True)),
    )  # fmt: skip


def _progress_advance(
    workflow: Workflow, volunteer: Volunteer, status: _Counted, feedback: Feedback | None
) -> None:
    changes: dict[str, Any] = {"seen_count": F("seen_count") + 1}
    # The walk moves past what was classified, so the next selection never rescans it.
    cursor = "gold_cursor" if status.is_gold else "cursor"
    changes[cursor] = Greatest(F(cursor), status.priority)
    if status.is_gold:
        changes["gold_seen"] = F("gold_seen") + 1
        if feedback is not None and feedback.agrees:
            changes["gold_correct"] = F("gold_correct") + 1
    if not VolunteerProgress.objects.filter(volunteer=volunteer, workflow=workflow).update(
        **changes
    ):
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
        VolunteerProgress.objects.filter(volunteer=volunteer, workflow=workflow).update(**changes)


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
