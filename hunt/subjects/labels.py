"""The Hunt's vocabulary for what is at the centre of a cutout (Kosiba et al. 2020)."""

from django.db import models


class Label(models.TextChoices):
    CLUSTER_LOW_Z = "cluster_low_z", "Galaxy cluster, low redshift"
    CLUSTER_HIGH_Z = "cluster_high_z", "Galaxy cluster, high redshift"
    # A cluster whose redshift class is not known (e.g. an XCS extended source).
    CLUSTER = "cluster", "Galaxy cluster"
    GALAXY = "galaxy", "Nearby galaxy"
    POINT = "point", "Point source (star or AGN)"
    OTHER = "other", "Other / artefact"


CLUSTER_LABELS = frozenset({Label.CLUSTER_LOW_Z, Label.CLUSTER_HIGH_Z, Label.CLUSTER})

# The Kosiba+2020 image set's class names.
KOSIBA_CLASSES = {
    "low-z": Label.CLUSTER_LOW_Z,
    "hi-z": Label.CLUSTER_HIGH_Z,
    "galaxy": Label.GALAXY,
    "point": Label.POINT,
    "other": Label.OTHER,
}


class TruthRole(models.TextChoices):
    """What an expert label may be used for (docs/metrics.md, "Roles of truth")."""

    # Shown to volunteers as feedback, may retire a subject, may become a training label.
    GOLD = "gold", "Gold standard (feedback, retirement, training)"
    # May become a training label; never shown, never retires.
    TRAINING = "training", "Training label"
    # Only the evaluation reads it: never shown, never retires, never trains.
    EVALUATION = "evaluation", "Evaluation only"


TRAINING_ROLES = frozenset({TruthRole.GOLD, TruthRole.TRAINING})

# Expert labels as the CNN's five classes. A cluster of unknown redshift class is low-z unless a redshift
# says otherwise (most catalogue clusters are; Kosiba et al. 2020 split the Hunt's clusters at z = 0.5).
REDSHIFT_SPLIT = 0.5
_EXPERT_TO_CLASS = {
    Label.CLUSTER_LOW_Z: "cluster_low_z",
    Label.CLUSTER_HIGH_Z: "cluster_high_z",
    Label.GALAXY: "galaxy",
    Label.POINT: "point",
    Label.OTHER: "other",
}


def class_of_redshift(redshift: float) -> str:
    return "cluster_low_z" if redshift < REDSHIFT_SPLIT else "cluster_high_z"


def expert_class(label: str, redshift: float | None = None) -> str:
    """One of the five Hunt classes for an expert label (a generic cluster takes its redshift's class)."""
    if label == Label.CLUSTER:
        return class_of_redshift(redshift) if redshift is not None else "cluster_low_z"
    return _EXPERT_TO_CLASS[Label(label)]


# What volunteers are told the experts said, in the workflow's answer vocabulary: (answer, redshift).
LABEL_TO_ANSWER = {
    Label.CLUSTER_LOW_Z: ("cluster", "low"),
    Label.CLUSTER_HIGH_Z: ("cluster", "high"),
    Label.CLUSTER: ("cluster", ""),
    Label.GALAXY: ("galaxy", ""),
    Label.POINT: ("point", ""),
    Label.OTHER: ("other", ""),
}

# Classes a non-cluster can have, for the per-class breakdown of negatives.
NEGATIVE_CLASSES = ("galaxy", "point", "other")


def consensus_class(counts: dict[str, int], low: int, high: int) -> str:
    """The crowd's class from its vote counts: plurality answer, "" without votes.

    Ties resolve in answer order (cluster first): a disputed cluster is worth a look, not a discard. A cluster
    is high-z only when more volunteers said high than low.
    """
    if not any(counts.values()):
        return ""
    answer = max(counts, key=lambda key: counts[key])
    if answer == "cluster":
        return "cluster_high_z" if high > low else "cluster_low_z"
    return answer


# The five classes in the CNN head's order (`hunt.learning.models.CLASSES`, `ml.crowd.CLASSES`).
HUNT_CLASSES = ("cluster_low_z", "cluster_high_z", "galaxy", "point", "other")


def answer_class(answer: str, redshift: str) -> str:
    """One volunteer's answer as a Hunt class: a cluster is high-z only when they said so (like consensus_class)."""
    if answer == "cluster":
        return "cluster_high_z" if redshift == "high" else "cluster_low_z"
    return answer
