"""Freezing training labels: volunteer consensus, with expert labels that may train taking precedence.

Only the train and validation sky regions enter a snapshot: the locked test regions (and the guard band around
them) are read by the evaluation alone, and evaluation-only truth never becomes a training label.
"""

import hashlib
from collections import Counter

from django.db import transaction

from hunt.classify.models import SubjectStatus, Workflow
from hunt.learning.models import CLASSES, LabelSnapshot, LabelSnapshotRow
from hunt.subjects.labels import consensus_class, expert_class
from hunt.subjects.models import ExpertLabel
from ml import splits

SNAPSHOT_SPLITS = (splits.TRAIN, splits.VALIDATION)


def consensus_label(status: SubjectStatus) -> tuple[str, float, float]:
    """(class, agreement, cluster vote fraction) from a subject's vote counts (`consensus_class`)."""
    counts = status.answer_counts()
    total = status.classification_count
    label = consensus_class(counts, status.cluster_low_count, status.cluster_high_count)
    answer = "cluster" if label.startswith("cluster") else label
    return label, counts[answer] / total, counts["cluster"] / total


@transaction.atomic
def label_snapshot_create(*, workflow: Workflow, min_votes: int = 3) -> LabelSnapshot:
    """Freeze one label per train/validation subject: a trainable expert label, else the crowd's."""
    experts: dict[int, str] = {}
    for subject_id, label, redshift in (
        ExpertLabel.objects.trainable()
        .filter(subject__statuses__workflow=workflow)
        .order_by("subject_id", "pk")
        .values_list("subject_id", "label", "redshift")
    ):
        experts.setdefault(subject_id, expert_class(label, redshift))
    rows: list[LabelSnapshotRow] = []
    statuses = SubjectStatus.objects.filter(
        workflow=workflow, subject__split__in=SNAPSHOT_SPLITS
    ).select_related("subject")
    for status in statuses.iterator(chunk_size=5000):
        subject = status.subject
        total = status.classification_count
        cluster_fraction = status.cluster_count / total if total else None
        if subject.pk in experts:
            label = experts[subject.pk]
            source, agreement = LabelSnapshotRow.Source.EXPERT, 1.0
        elif total >= min_votes:
            label, agreement, cluster_fraction = consensus_label(status)
            source = LabelSnapshotRow.Source.CROWD
        else:
            continue
        row = LabelSnapshotRow(subject=subject, label=label, source=source, split=subject.split)
        row.votes, row.agreement, row.cluster_fraction = total, agreement, cluster_fraction
        rows.append(row)
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.subject.pk):
        digest.update(
            f"{row.subject.pk},{row.label},{row.source},{row.split},{row.votes}\n".encode()
        )
    counts = {
        "split": dict(Counter(row.split for row in rows)),
        "label": {name: sum(1 for row in rows if row.label == name) for name in CLASSES},
        "source": dict(Counter(row.source for row in rows)),
        "split_rule": splits.SPLIT_RULE,
    }
    snapshot = LabelSnapshot.objects.create(
        workflow=workflow,
        min_votes=min_votes,
        sha256=digest.hexdigest(),
        row_count=len(rows),
        counts=counts,
    )
    for row in rows:
        row.snapshot = snapshot
    LabelSnapshotRow.objects.bulk_create(rows, batch_size=5000)
    return snapshot
