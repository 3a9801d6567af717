"""Freezing training labels: volunteer consensus, with expert labels that may train taking precedence.

Crowd labels come from the crowd model's posterior (`hunt.classify.aggregation`, Dawid-Skene with gold clamped)
where the aggregation job has written one: the label is its most probable class, the sample weight its
probability, and the row keeps the whole posterior as a soft label. Subjects it has not seen yet, or a snapshot
asked for `aggregation="plurality"`, take the plurality (`consensus_class`). The snapshot records which
(`LabelSnapshot.aggregation`, the `CrowdAggregation` run, and per-row `probabilities`).

Only the train and validation sky regions enter a snapshot: the locked test regions (and the guard band around
them) are read by the evaluation alone, and evaluation-only truth never becomes a training label.
"""

import hashlib
from collections import Counter

from django.db import transaction

from hunt.classify.models import CrowdAggregation, SubjectStatus, Workflow
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


def posterior_label(status: SubjectStatus) -> tuple[str, float, list[float]]:
    """(class, its probability, the posterior in CLASSES order) from the stored crowd posterior."""
    probabilities = [float(status.posterior.get(name, 0.0)) for name in CLASSES]
    best = max(range(len(CLASSES)), key=lambda i: probabilities[i])
    return CLASSES[best], probabilities[best], probabilities


@transaction.atomic
def label_snapshot_create(
    *, workflow: Workflow, min_votes: int = 3, aggregation: str = "posterior"
) -> LabelSnapshot:
    """Freeze one label per train/validation subject: a trainable expert label, else the crowd's."""
    if aggregation not in ("posterior", "plurality"):
        raise ValueError("aggregation must be 'posterior' or 'plurality'")
    run = (
        CrowdAggregation.objects.filter(workflow=workflow).first()
        if aggregation == "posterior"
        else None
    )
    methods: Counter[str] = Counter()
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
        probabilities: list[float] | None = None
        total = status.classification_count
        cluster_fraction = status.cluster_count / total if total else None
        if subject.pk in experts:
            label = experts[subject.pk]
            source, agreement = LabelSnapshotRow.Source.EXPERT, 1.0
        elif total >= min_votes:
            source = LabelSnapshotRow.Source.CROWD
            if run is not None and status.posterior:
                label, agreement, probabilities = posterior_label(status)
                methods["posterior"] += 1
                methods["posterior_stale"] += int(status.posterior_votes != total)
            else:
                label, agreement, cluster_fraction = consensus_label(status)
                methods["plurality"] += 1
        else:
            continue
        row = LabelSnapshotRow(subject=subject, label=label, source=source, split=subject.split)
        row.votes, row.agreement, row.cluster_fraction = total, agreement, cluster_fraction
        row.probabilities = probabilities
        rows.append(row)
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.subject.pk):
        line = f"{row.subject.pk},{row.label},{row.source},{row.split},{row.votes}"
        if row.probabilities is not None:  # a soft label is part of what was trained on
            line += "," + ",".join(f"{p:.6f}" for p in row.probabilities)
        digest.update(f"{line}\n".encode())
    counts = {
        "split": dict(Counter(row.split for row in rows)),
        "label": {name: sum(1 for row in rows if row.label == name) for name in CLASSES},
        "source": dict(Counter(row.source for row in rows)),
        "split_rule": splits.SPLIT_RULE,
        "crowd_labels": dict(methods),
    }
    method = f"{run.method} #{run.pk}" if run is not None and methods["posterior"] else "plurality"
    snapshot = LabelSnapshot.objects.create(
        workflow=workflow,
        min_votes=min_votes,
        sha256=digest.hexdigest(),
        row_count=len(rows),
        counts=counts,
        aggregation=method,
        crowd_aggregation=run if methods["posterior"] else None,
    )
    for row in rows:
        row.snapshot = snapshot
    LabelSnapshotRow.objects.bulk_create(rows, batch_size=5000)
    return snapshot
