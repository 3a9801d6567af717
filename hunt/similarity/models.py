"""Latent spaces per model version, the job that computes them, and anomaly sets sent to volunteers.

The embeddings themselves (100,000 subjects x 64 floats) live in one `.npz` file per model version in the
private model storage (`ml.latent.space`); the row says which version and file, and what it holds.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from hunt.classify.models import Workflow
from hunt.core.jobs import CountedJob
from hunt.learning.models import ModelVersion, model_storage


class LatentSpaceFile(models.Model):
    class Source(models.TextChoices):
        TRAINING = "training", "Written by the training run, with the predictions"
        JOB = "job", "Recomputed by an embedding job"

    model_version = models.OneToOneField(
        ModelVersion, on_delete=models.CASCADE, related_name="latent_space"
    )
    file = models.FileField(upload_to="latent/", storage=model_storage, max_length=300)
    subjects = models.PositiveIntegerField()
    dim = models.PositiveIntegerField(
        help_text="Embedding dimensions (the CNN's penultimate layer)."
    )
    explained = models.JSONField(default=list, help_text="Variance share per principal axis.")
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Latent space of model v{self.model_version_id} ({self.subjects} subjects)"


class EmbeddingRun(CountedJob):
    """Compute the embeddings (and map, anomalies) of every subject for one model version."""

    JOB_TASK = "hunt.similarity.tasks.embedding_run_task"
    # It runs the CNN: on the training worker, where torch is loaded anyway.
    JOB_QUEUE = "training"
    MAX_ATTEMPTS = 2

    kind = models.CharField(max_length=10, default="embedding", editable=False)
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="embedding_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("kind",),
                condition=Q(status__in=("queued", "running")),
                name="one_active_embedding_run",
            )
        ]

    def __str__(self) -> str:
        return f"Embedding run #{self.pk} for model v{self.model_version_id} ({self.status})"


class AnomalySet(models.Model):
    """The top-N anomalies of a latent space, sent to volunteers as a workflow of their own."""

    name = models.CharField(max_length=200)
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    workflow = models.OneToOneField(Workflow, on_delete=models.PROTECT, related_name="anomaly_set")
    subject_ids = models.JSONField(default=list, help_text="Most anomalous first.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({len(self.subject_ids)} subjects)"
