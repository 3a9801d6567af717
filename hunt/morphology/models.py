"""Per-subject X-ray morphology (ml.morphology), one row per subject and measure version, and the job that
measures every subject."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from hunt.core.jobs import CountedJob
from hunt.subjects.models import Subject


class SubjectMorphology(models.Model):
    """Concentrations, centroid shift and power ratio of one subject's X-ray cutout, with Poisson errors."""

    class Status(models.TextChoices):
        OK = "ok", "Measured"
        NOT_ENOUGH_COUNTS = "not_enough_counts", "Not enough counts"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="morphologies")
    version = models.CharField(max_length=20, help_text="ml.morphology.MEASURE_VERSION")
    status = models.CharField(max_length=20, choices=Status.choices)
    n_net_counts = models.FloatField(help_text="Net counts within the w aperture.")
    c_santos = models.FloatField(null=True, blank=True, help_text="S(<40 kpc)/S(<400 kpc)")
    c_santos_err = models.FloatField(null=True, blank=True)
    c_maughan = models.FloatField(null=True, blank=True, help_text="S(<0.15 r500)/S(<r500)")
    c_maughan_err = models.FloatField(null=True, blank=True)
    w = models.FloatField(null=True, blank=True, help_text="Centroid shift, units of the aperture")
    w_err = models.FloatField(null=True, blank=True)
    p3p0 = models.FloatField(null=True, blank=True, help_text="Power ratio P3/P0")
    p3p0_err = models.FloatField(null=True, blank=True)
    redshift = models.FloatField(
        null=True, blank=True, help_text="From the matched catalogue entry."
    )
    redshift_assumed = models.BooleanField(
        default=False, help_text="No redshift known: the apertures assume ml.morphology's z."
    )
    r500_kpc = models.FloatField(null=True, blank=True)
    aperture_kpc = models.FloatField(null=True, blank=True)
    exposure_map = models.BooleanField(
        default=False,
        help_text="Measured with an exposure map; else with the nominal exposure over the seen pixels.",
    )
    notes = models.JSONField(default=list, blank=True)
    measured_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("subject_id",)
        constraints = [
            models.UniqueConstraint(
                fields=("subject", "version"), name="morphology_one_per_subject_version"
            )
        ]

    def __str__(self) -> str:
        return f"Morphology v{self.version} of subject {self.subject_id} ({self.status})"


class MorphologyRun(CountedJob):
    """Measure the morphology of every subject (or of those not yet measured at this version)."""

    JOB_TASK = "hunt.morphology.tasks.morphology_run_task"
    JOB_QUEUE = "default"
    MAX_ATTEMPTS = 2
    # Each subject's row is replaced, never added twice: a re-run after a dead attempt is the same.
    REQUEUE_DEAD = True

    kind = models.CharField(max_length=12, default="morphology", editable=False)
    only_missing = models.BooleanField(default=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("kind",),
                condition=Q(status__in=("queued", "running")),
                name="one_active_morphology_run",
            )
        ]

    def __str__(self) -> str:
        return f"Morphology run #{self.pk} ({self.status})"
