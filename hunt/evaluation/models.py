"""Evaluation runs: a model version and the crowd scored against a reference catalogue, reproducibly.

A run stores what it was computed from (model version, label snapshot hash, catalogue name/version, match
radius, class filter, split, code version), the results as JSON, and the per-subject scores it used, so
every number on the dashboard can be recomputed from its own download.
"""

from django.conf import settings
from django.db import models

from hunt.catalogues.models import ReferenceCatalogue
from hunt.classify.models import Workflow
from hunt.core.jobs import Job
from hunt.learning.models import ModelVersion
from hunt.subjects.models import SubjectSet


class EvaluationRun(Job):
    JOB_TASK = "hunt.evaluation.tasks.evaluation_run_task"
    MAX_ATTEMPTS = 2
    # Attempts are idempotent: the sweeper re-queues a dead one while attempts are left.
    REQUEUE_DEAD = True

    class Split(models.TextChoices):
        # The locked test regions (ml/splits.py): never trained on, never used to pick or calibrate a model.
        TEST = "test", "Test sky regions (locked)"
        ALL = "all", "All subjects"

    class Trigger(models.TextChoices):
        TRAINING = "training", "After a training run"
        MANUAL = "manual", "On demand"

    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="+")
    model_version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
        help_text="None: the crowd alone is evaluated.",
    )
    catalogue = models.ForeignKey(
        ReferenceCatalogue, null=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    # Copied from the catalogue, so a run stays readable (and citable) if the catalogue is deleted.
    catalogue_name = models.CharField(max_length=200)
    catalogue_version = models.CharField(max_length=100)
    match_radius_arcsec = models.FloatField()
    class_filter = models.JSONField(default=list, help_text='Accepted classes, e.g. ["C1", "C2"].')
    split = models.CharField(max_length=10, choices=Split.choices, default=Split.TEST)
    subject_set = models.ForeignKey(
        SubjectSet,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Only this set's subjects (None: every set of the workflow).",
    )
    # Copied so the run stays readable if the set is deleted.
    subject_set_name = models.CharField(max_length=200, blank=True)
    label_snapshot_sha256 = models.CharField(max_length=64, blank=True)
    code_version = models.CharField(max_length=300, blank=True)
    threshold = models.FloatField(default=0.5, help_text="Operating threshold for model and crowd.")
    min_votes = models.PositiveIntegerField(default=1)
    bootstrap_resamples = models.PositiveIntegerField(default=1000)
    seed = models.IntegerField(default=0)
    counts = models.JSONField(
        default=dict, blank=True, help_text="Subjects considered, positive, negative, unknown, ..."
    )
    results = models.JSONField(default=dict, blank=True)
    # Column-oriented per-subject table (subject ids, truth, scores, strata): compact, and what the
    # scores download serves. Deferred by the selectors: lists never load it.
    scores = models.JSONField(default=dict, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        what = f"model v{self.model_version_id}" if self.model_version_id else "crowd"
        return f"Evaluation #{self.pk}: {what} vs {self.catalogue_name} ({self.status})"

    @property
    def class_filter_label(self) -> str:
        return "+".join(self.class_filter) if self.class_filter else "all classes"
