"""Simulated volunteers for the demo survey: noisy votes drawn from the simulator's truth.

The demo has no real crowd, yet the learning loop and the evaluation need one. With `realistic=True` (the demo,
`manage.py simulate_crowd`) the crowd is `ml.crowd.simulate`'s: skills drawn from a distribution (per-class
confusion matrices), 5 % spammers, 5 % constant answerers, difficulty growing with a cluster's redshift, and
heavy-tailed activity. With `realistic=False` every volunteer answers from the confusion model of
`ml.learning.dataset.noisy_volunteer_labels` (right with probability `accuracy`, mistakes following the Hunt's
typical confusions; tests use it for exact answers). Votes go through
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
    realistic: bool = False,
    spammer_share: float = 0.05,
    constant_share: float = 0.05,
) -> CrowdSimulation:
    """Give every subject of `workflow` with a `truth_source` label `votes_per_subject` simulated votes."""
    if not 1 <= votes_per_subject <= volunteers:
        raise ValueError("votes_per_subject must lie between 1 and the number of volunteers")
    labelled = ExpertLabel.objects.filter(
        source=truth_source, subject__statuses__workflow=workflow
    ).values_list("subject_id", "label", "redshift")
    truth = {pk: label for pk, label, _ in labelled}
    redshift_of = {pk: z for pk, _, z in labelled}
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
    if realistic:
        from ml.crowd.simulate import crowd_draw, difficulty, votes_draw

        simulated = crowd_draw(
            volunteers, rng, spammer_share=spammer_share, constant_share=constant_share
        )
        z = np.array([np.nan if redshift_of[pk] is None else redshift_of[pk] for pk in subject_ids])
        drawn = votes_draw(simulated, classes, difficulty(classes, rng, z), votes_per_subject, rng)
        who_all, answers_all = drawn.volunteer, drawn.answer
    else:
        from ml.learning.dataset import (
            noisy_volunteer_labels,
        )  # the simulator stack, only when needed

        counts = noisy_volunteer_labels(classes, rng, accuracy, votes_per_subject).votes
        who_all = np.stack(
            [rng.choice(volunteers, size=votes_per_subject, replace=False) for _ in subject_ids]
        )
        answers_all = np.stack(
            [rng.permutation(np.repeat(np.arange(counts.shape[1]), row)) for row in counts]
        )
    created = skipped = 0
    for i, subject_id in enumerate(subject_ids):
        for k, answer_index in zip(who_all[i], answers_all[i], strict=True):
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
