"""Subjects: the candidates volunteers classify, with their cutouts rendered once at ingestion.

What a volunteer may see (coordinates, exposure, cutouts) lives on `Subject` and `Cutout`. What the experts or
the simulator know (the truth) lives only in `ExpertLabel`, which no volunteer-facing API exposes.
"""

import random

from django.conf import settings
from django.db import models

from hunt.core.jobs import CountedJob
from hunt.subjects.labels import TRAINING_ROLES, Label, TruthRole
from ml import splits


class SubjectSet(models.Model):
    class Kind(models.TextChoices):
        SIMULATED = "simulated", "Simulated survey"
        CANDIDATE_FITS = "candidate_fits", "Per-candidate FITS files"
        XMM_FIELD = "xmm_field", "Wide-field image with a source list"
        KOSIBA_PNG = "kosiba_png", "Kosiba et al. 2020 PNG image set"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    citation = models.TextField(blank=True, help_text="Credit and licence shown with the subjects.")
    active = models.BooleanField(
        default=True, help_text="Inactive sets are not offered to volunteers."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


def _random_priority() -> float:
    # Today's order is a seeded-random walk; the learning loop overwrites priorities later.
    return random.random()


class Subject(models.Model):
    subject_set = models.ForeignKey(SubjectSet, on_delete=models.CASCADE, related_name="subjects")
    external_id = models.CharField(
        max_length=120, help_text="Identifier in the source data (candidate id, image id, source)."
    )
    ra = models.FloatField(null=True, blank=True, help_text="Right ascension, degrees (ICRS).")
    dec = models.FloatField(null=True, blank=True, help_text="Declination, degrees (ICRS).")
    metadata = models.JSONField(
        default=dict, blank=True, help_text="Volunteer-safe facts: field, exposure, pixel scale."
    )
    priority = models.FloatField(default=_random_priority)
    split = models.CharField(
        max_length=10,
        choices=[(name, name) for name in splits.SPLITS],
        default=splits.TRAIN,
        db_index=True,
        help_text="Sky split, fixed at ingestion (ml/splits.py): train, validation, test (locked for "
        "reporting) or guard (next to a test region: used by nothing).",
    )
    thumbnail = models.FileField(upload_to="cutouts/", max_length=300, blank=True)
    # Repeat observations of one source (friends-of-friends within ml.splits.REPEAT_RADIUS_ARCSEC, as the splits
    # group them): the lowest subject id of the group, set at ingestion; null for a subject with no repeat. A
    # volunteer who classified one member is never served another (hunt.classify.selectors).
    repeat_group = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("subject_set", "external_id"), name="subject_unique_external_id_per_set"
            ),
        ]
        indexes = [
            models.Index(fields=("priority",), name="subject_priority_idx"),
            models.Index(
                fields=("repeat_group",),
                condition=models.Q(repeat_group__isnull=False),
                name="subject_repeat_group_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_set.slug}/{self.external_id}"


class Cutout(models.Model):
    """One band of a subject, stored as what the browser needs to stretch it client-side."""

    class Band(models.TextChoices):
        XRAY = "xray", "X-ray"
        OPTICAL = "optical", "Optical"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="cutouts")
    band = models.CharField(max_length=10, choices=Band.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    pixel_scale_arcsec = models.FloatField(null=True, blank=True)
    # Raw little-endian uint16 codes, top row first; `viewer_meta` says how to decode them.
    data_file = models.FileField(upload_to="cutouts/", max_length=300)
    viewer_meta = models.JSONField(default=dict)
    preview = models.FileField(upload_to="cutouts/", max_length=300)
    # A denoised copy for display only (X-ray; ml.denoise), encoded like `data_file`; its decoding
    # metadata is `viewer_meta["denoised"]`. Empty for bands without one and for older ingestions.
    denoised_file = models.FileField(upload_to="cutouts/", max_length=300, blank=True)

    class Meta:
        ordering = ("subject_id", "band")
        constraints = [
            models.UniqueConstraint(fields=("subject", "band"), name="cutout_one_per_band"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} [{self.band}]"


class ExpertLabelQuerySet(models.QuerySet["ExpertLabel"]):
    """The one place that says which expert labels may do what (docs/metrics.md, "Roles of truth")."""

    def gold(self) -> "ExpertLabelQuerySet":
        """Gold labels: shown as feedback and in the field guide, may retire a subject, may train."""
        return self.filter(role=TruthRole.GOLD)

    def trainable(self) -> "ExpertLabelQuerySet":
        """Labels that may become training labels (gold or training); evaluation-only ones never do."""
        return self.filter(role__in=list(TRAINING_ROLES))


class ExpertLabel(models.Model):
    """The truth for a subject, as experts (or the simulator) recorded it; its `role` says who may use it."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="expert_labels")
    source = models.CharField(
        max_length=100, help_text="Who says so: 'simulation', 'XCS', 'Kosiba+2020'."
    )
    label = models.CharField(max_length=20, choices=Label.choices)
    redshift = models.FloatField(null=True, blank=True)
    catalogue_id = models.CharField(
        max_length=100, blank=True, help_text="Identifier in a reference catalogue, for ID joins."
    )
    notes = models.TextField(blank=True)
    role = models.CharField(
        max_length=10,
        choices=TruthRole.choices,
        default=TruthRole.EVALUATION,
        help_text="gold: feedback, retirement and training; training: training only; evaluation: read "
        "only by the evaluation (never shown, never retires, never trains).",
    )

    objects = ExpertLabelQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("subject", "source"), name="expert_label_one_per_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject}: {self.label} ({self.source})"


class IngestJob(CountedJob):
    """One ingestion run; the row is what progress bars poll and what the admin shows."""

    JOB_TASK = "hunt.subjects.tasks.ingest_job_execute"
    # An attempt is idempotent: its rows land with the job's success in one transaction, it skips what is
    # already in the set, and the next claim removes the files a dead attempt left (hunt.subjects.storage).
    # So a worker killed mid-way gets one more attempt (redelivered, or re-queued by the sweeper); a file
    # that kills its worker each time fails the job after the second.
    MAX_ATTEMPTS = 2
    REQUEUE_DEAD = True

    kind = models.CharField(max_length=20, choices=SubjectSet.Kind.choices)
    source = models.CharField(max_length=500, help_text="Folder or file ingested.")
    options = models.JSONField(default=dict, blank=True)
    subject_set = models.ForeignKey(SubjectSet, null=True, blank=True, on_delete=models.SET_NULL)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Already ingested before.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Ingest #{self.pk} {self.kind} ({self.status})"

    @classmethod
    def job_swept(cls, pks: list[int]) -> None:
        from hunt.subjects.storage import attempt_files_delete

        for pk, attempts in cls.objects.filter(pk__in=pks).values_list("pk", "attempts"):
            attempt_files_delete(pk, range(1, attempts + 1))
