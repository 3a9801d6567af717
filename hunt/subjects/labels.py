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
