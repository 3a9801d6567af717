"""Simulated volunteers for the demo survey: noisy votes drawn from the simulator's truth.

The demo has no real crowd, yet the learning loop and the evaluation need one. Each simulated volunteer
answers a subject from the confusion model of `ml.learning.dataset.noisy_volunteer_labels` (right with
probability `accuracy`, mistakes following the Hunt's typical confusions). Votes go through
`classification_create`, the same write path as a browser, so counts, retirement and the one-vote-per-
volunteer rule hold exactly as for real volunteers. Volunteers and idempotency keys are derived from the
seed, so running it again adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hunt.accounts.models import Volunteer
from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.services import (
    AlreadyClassified,
    SubjectRetired,
    classification_create,
)
from hunt.subjects.models import ExpertLabel

# Hunt class index (ml.learning.labels.HUNT_CLASSES order) -> (answer, redshift).
ANSWER_OF_CLASS = (
    ("cluster", "low"),
    ("cluster", "high"),
    ("galaxy", ""),
    ("point", ""),
    ("other", ""),
)
CLASS_INDEX = {
    "cluster_low_z": 0,
    "cluster": 0,
    "cluster_high_z": 1,
    "galaxy": 2,
    "point": 3,
    "other": 4,
}
NAMESPACE = uuid.UUID("6f1c1d1e-8a0e-4d7b-9a55-2f3c1b7e0c42")


@dataclass(frozen=True)
class CrowdSimulation:
    subjects: int
    votes_created: int
    votes_skipped: int  # already there (a rerun), or the subject retired before this vote


def crowd_simulate(
    *,
    workflow: Workflow,
    votes_per_subject: int = 5,
    accuracy: float = 0.8,
    volunteers: int = 40,
    seed: int = 0,
    truth_source: str = "simulation",
    progress: Callable[[int, int], None] | None = None,
) -> CrowdSimulation:
    """Give every subject of `workflow` with a `truth_source` label `votes_per_subject` simulated votes."""
    from ml.learning.dataset import noisy_volunteer_labels  # the simulator stack, only when needed

    if not 1 <= votes_per_subject <= volunteers:
        raise ValueError("votes_per_subject must lie between 1 and the number of volunteers")
    truth = dict(
        ExpertLabel.objects.filter(
            source=truth_source, subject__statuses__workflow=workflow
        ).values_list("subject_id", "label")
    )
    subject_ids = sorted(
        pk
        for pk in SubjectStatus.objects.filter(workflow=workflow).values_list(
            "subject_id", flat=True
        )
        if truth.get(pk) in CLASS_INDEX
    )
    if not subject_ids:
        return CrowdSimulation(0, 0, 0)
    crowd = [
        Volunteer.objects.get_or_create(anonymous_key=uuid.uuid5(NAMESPACE, f"crowd:{seed}:{k}"))[0]
        for k in range(volunteers)
    ]
    rng = np.random.default_rng([seed, 2024])
    classes = np.asarray([CLASS_INDEX[truth[pk]] for pk in subject_ids], dtype=np.int64)
    votes = noisy_volunteer_labels(classes, rng, accuracy, votes_per_subject).votes
    created = skipped = 0
    for i, subject_id in enumerate(subject_ids):
        answers = np.repeat(np.arange(votes.shape[1]), votes[i])
        who = rng.choice(volunteers, size=votes_per_subject, replace=False)
        for k, answer_index in zip(who, rng.permutation(answers), strict=True):
            answer, redshift = ANSWER_OF_CLASS[int(answer_index)]
            try:
                result = classification_create(
                    workflow=workflow, volunteer=crowd[int(k)], subject_id=subject_id, answer=answer,
                    redshift=redshift if workflow.ask_redshift else "",
                    idempotency_key=uuid.uuid5(NAMESPACE, f"vote:{seed}:{k}:{subject_id}"),
                    user_agent="crowd simulation",
                )  # fmt: skip
            except (SubjectRetired, AlreadyClassified):
                skipped += 1
                continue
            if result.created:
                created += 1
            else:
                skipped += 1
        if progress is not None:
            progress(i + 1, len(subject_ids))
    return CrowdSimulation(subjects=len(subject_ids), votes_created=created, votes_skipped=skipped)
