"""Freezing training labels: volunteer consensus, with expert labels taking precedence."""

import hashlib
from collections import Counter

from django.db import transaction

from hunt.classify.models import SubjectStatus, Workflow
from hunt.learning.models import CLASSES, LabelSnapshot, LabelSnapshotRow
from hunt.subjects.labels import Label
from hunt.subjects.models import ExpertLabel
from ml.splits import sky_split

# Expert labels map onto the five classes; a cluster of unknown redshift is trained as low-z (most are).
EXPERT_TO_CLASS = {
    Label.CLUSTER_LOW_Z: "cluster_low_z",
    Label.CLUSTER_HIGH_Z: "cluster_high_z",
    Label.CLUSTER: "cluster_low_z",
    Label.GALAXY: "galaxy",
    Label.POINT: "point",
    Label.OTHER: "other",
}


def consensus_label(status: SubjectStatus) -> tuple[str, float, float]:
    """(class, agreement, cluster vote fraction) from a subject's vote counts; ties go to the rarer class."""
    counts = status.answer_counts()
    total = status.classification_count
    # Ties resolve in ANSWERS order (cluster first): a disputed cluster is worth a look, not a discard.
    answer = max(counts, key=lambda key: counts[key])
    if answer == "cluster":
        label = (
            "cluster_high_z"
            if status.cluster_high_count > status.cluster_low_count
            else "cluster_low_z"
        )
    else:
        label = answer
    return label, counts[answer] / total, counts["cluster"] / total


@transaction.atomic
def label_snapshot_create(
    *,
    workflow: Workflow,
    min_votes: int = 3,
    heldout_share: float = 0.2,
    validation_share: float = 0.1,
) -> LabelSnapshot:
    """Freeze one label per subject: an expert's (from the workflow's gold sources) or the crowd's."""
    experts = dict(
        ExpertLabel.objects.filter(
            subject__statuses__workflow=workflow, source__in=workflow.gold_label_sources
        ).values_list("subject_id", "label")
    )
    rows: list[LabelSnapshotRow] = []
    statuses = SubjectStatus.objects.filter(workflow=workflow).select_related("subject")
    for status in statuses.iterator(chunk_size=5000):
        subject = status.subject
        split = sky_split(
            subject.ra, subject.dec, fallback_key=f"{subject.subject_set_id}:{subject.external_id}",
            heldout_share=heldout_share, validation_share=validation_share,
        )  # fmt: skip
        total = status.classification_count
        cluster_fraction = status.cluster_count / total if total else None
        if subject.pk in experts:
            label = EXPERT_TO_CLASS[Label(experts[subject.pk])]
            source, agreement = LabelSnapshotRow.Source.EXPERT, 1.0
        elif total >= min_votes:
            label, agreement, cluster_fraction = consensus_label(status)
            source = LabelSnapshotRow.Source.CROWD
        else:
            continue
        row = LabelSnapshotRow(subject=subject, label=label, source=source, split=split)
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
