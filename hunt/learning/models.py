"""The learning loop's records: frozen label snapshots, training runs, model versions and predictions.

Every model is traceable: a ModelVersion points at the TrainingRun that made it, which points at the
LabelSnapshot (rows + sha256) it learned from.
"""

from datetime import timedelta
from typing import Any, ClassVar, cast

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

from hunt.classify.models import Workflow
from hunt.core.jobs import Job
from hunt.subjects.models import Subject

# The five Hunt classes, in the order of the CNN's 5-class head.
CLASSES = ("cluster_low_z", "cluster_high_z", "galaxy", "point", "other")


class LabelSnapshot(models.Model):
    """Training labels frozen at trigger time, so a run can be reproduced exactly."""

    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="snapshots")
    min_votes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    row_count = models.PositiveIntegerField()
    counts = models.JSONField(default=dict, help_text="Rows per split and per label.")
    # How crowd labels were made: "plurality" (consensus_class) or the crowd model's posterior, with the run.
    aggregation = models.CharField(max_length=60, default="plurality")
    crowd_aggregation = models.ForeignKey(
        "classify.CrowdAggregation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Snapshot {self.sha256[:12]} ({self.row_count} rows)"


class LabelSnapshotRow(models.Model):
    class Source(models.TextChoices):
        EXPERT = "expert", "Expert label"
        CROWD = "crowd", "Volunteer consensus"

    class Split(models.TextChoices):
        TRAIN = "train", "Training"
        # Early stopping, calibration and champion/challenger; the test regions never enter a snapshot.
        VALIDATION = "validation", "Validation"

    snapshot = models.ForeignKey(LabelSnapshot, on_delete=models.CASCADE, related_name="rows")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=20, help_text="One of the five Hunt classes.")
    source = models.CharField(max_length=10, choices=Source.choices)
    votes = models.PositiveIntegerField(default=0)
    agreement = models.FloatField(default=1.0, help_text="Share of votes for the majority answer.")
    cluster_fraction = models.FloatField(
        null=True, blank=True, help_text="Share of votes for 'cluster'."
    )
    # The soft label: the crowd posterior per class (CLASSES order) when the snapshot used one.
    probabilities = models.JSONField(null=True, blank=True)
    split = models.CharField(max_length=10, choices=Split.choices)

    class Meta:
        ordering = ("snapshot_id", "subject_id")
        constraints = [
            models.UniqueConstraint(fields=("snapshot", "subject"), name="snapshot_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.label} ({self.source}, {self.split})"


class TrainingRun(Job):
    """One retraining: the job row (hunt.core.jobs) with its live progress and training curve."""

    JOB_TASK = "hunt.learning.tasks.training_run_task"
    JOB_QUEUE = "training"
    MAX_ATTEMPTS = 2
    # Attempts are idempotent: the sweeper re-queues a dead one while attempts are left.
    REQUEUE_DEAD = True
    # Only one run at a time and its worker is dedicated: a run not picked up in 30 minutes never will be.
    QUEUE_TIMEOUT = timedelta(minutes=30)

    class Trigger(models.TextChoices):
        ADMIN = "admin", "Admin (button, API or admin action)"
        COMMAND = "command", "manage.py retrain"
        SCHEDULE = "schedule", "Schedule (enough new labels)"

    class Stage(models.TextChoices):
        # The steps of a run, in order, as the model page shows them; training is most of the time, but the
        # steps after the last epoch take a while too (predictions for every subject above all).
        WAITING = "", "Waiting for the worker"
        LOADING = "loading", "Loading the cutouts"
        TRAINING = "training", "Training"
        CALIBRATION = "calibration", "Calibrating on the validation regions"
        PREDICTIONS = "predictions", "Predicting every subject"
        COMPARISON = "comparison", "Comparing with the serving model"
        DONE = "done", "Done"

    # Share of the progress bar at the start of each stage (training fills most of it).
    STAGE_START: ClassVar[dict[str, float]] = {
        "": 0.0, "loading": 0.0, "training": 2.0, "calibration": 85.0, "predictions": 88.0,
        "comparison": 98.0, "done": 100.0,
    }  # fmt: skip

    # A constant column makes "at most one active run" a database constraint, not a race.
    kind = models.CharField(max_length=10, default="cnn", editable=False)
    snapshot = models.ForeignKey(LabelSnapshot, on_delete=models.PROTECT, related_name="runs")
    params = models.JSONField(default=dict, help_text="Hyper-parameters and seed.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.ADMIN)
    epoch = models.PositiveIntegerField(default=0)
    epochs = models.PositiveIntegerField(default=0)
    batch = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    loss = models.FloatField(null=True, blank=True)
    curve = models.JSONField(
        default=list,
        blank=True,
        help_text="Per epoch of the current attempt: losses and validation metrics.",
    )
    metrics = models.JSONField(default=dict, blank=True)
    eta_seconds = models.FloatField(null=True, blank=True)
    stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.WAITING, blank=True
    )
    # Within a stage that counts (predictions): how many of how many.
    stage_done = models.PositiveIntegerField(default=0)
    stage_total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("kind",),
                condition=Q(status__in=("queued", "running")),
                name="one_active_training_run",
            )
        ]

    def __str__(self) -> str:
        return f"Training run #{self.pk} ({self.status})"

    @classmethod
    def job_swept(cls, pks: list[int]) -> None:
        for run in cls.objects.filter(pk__in=pks):
            run_outputs_delete(run)

    @property
    def percent(self) -> float:
        if self.status == self.Status.SUCCEEDED:
            return 100.0  # early stopping finishes before the maximum number of epochs
        start = self.STAGE_START.get(self.stage, 0.0)
        if self.stage == self.Stage.TRAINING:
            if not self.epochs or not self.batches:
                return start
            done = max(self.epoch - 1, 0) * self.batches + self.batch
            share = min(1.0, done / (self.epochs * self.batches))
            return start + share * (self.STAGE_START["calibration"] - start)
        if self.stage == self.Stage.PREDICTIONS and self.stage_total:
            share = min(1.0, self.stage_done / self.stage_total)
            return start + share * (self.STAGE_START["comparison"] - start)
        return start

    @property
    def stage_text(self) -> str:
        """The stage in words, with its count where it has one ("Predicting every subject: 2000 of 8000")."""
        text = str(self.Stage(self.stage).label)
        if self.stage == self.Stage.PREDICTIONS and self.stage_total:
            text = f"{text}: {self.stage_done} of {self.stage_total}"
        return text


class _ModelStorage(LazyObject):
    """The private "models" storage (settings.STORAGES, outside the served media), else the default.

    Lazy, and reset when settings.STORAGES changes (as Django's default_storage is), so the field never
    holds on to a storage picked before the settings were final.
    """

    def _setup(self) -> None:
        self._wrapped = storages["models"] if "models" in settings.STORAGES else default_storage


_model_storage = _ModelStorage()


def model_storage() -> Storage:
    return cast(Storage, _model_storage)


@receiver(setting_changed)
def _model_storage_reset(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _model_storage._wrapped = empty  # type: ignore[assignment]


class ModelVersion(models.Model):
    run = models.OneToOneField(TrainingRun, on_delete=models.PROTECT, related_name="model_version")
    file = models.FileField(upload_to="models/", storage=model_storage, max_length=300)
    snapshot_sha256 = models.CharField(max_length=64)
    code_version = models.CharField(max_length=300)
    seed = (
        models.BigIntegerField()
    )  # 0 <= seed < 2**32 (services.SEED_LIMIT): wider than a PostgreSQL integer
    params = models.JSONField(default=dict)
    temperature = models.FloatField(default=1.0)
    curve = models.JSONField(default=list)
    validation_metrics = models.JSONField(default=dict)
    # On the validation split that picked the model (promotion), against the snapshot's labels: not a
    # result to report. Reported figures come from evaluation runs on the locked test split.
    selection_metrics = models.JSONField(default=dict)
    is_champion = models.BooleanField(default=False)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promotion_note = models.TextField(blank=True)
    # Set once the file and a prediction for every subject are written: only complete versions may serve.
    complete = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("is_champion",), condition=Q(is_champion=True), name="one_champion"
            )
        ]

    def __str__(self) -> str:
        return f"Model v{self.pk}{' (champion)' if self.is_champion else ''}"


class Prediction(models.Model):
    """A model version's output for one subject. Readers use the champion's rows only."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="predictions"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="predictions")
    cluster_probability = models.FloatField(help_text="Calibrated probability of a galaxy cluster.")
    class_probabilities = models.JSONField(help_text="Probability per Hunt class.")
    uncertainty = models.FloatField()
    # BALD (bits) over the MC-dropout samples: how much a label would teach the model (active learning).
    information = models.FloatField(null=True, blank=True)
    sky_prior = models.FloatField(
        null=True,
        blank=True,
        help_text="Factor the Galactic absorption prior applied to the cluster odds (1: none needed; "
        "empty: not applied, a simulated sky or no position). The model alone said the odds divided by it.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("model_version", "subject"), name="prediction_once_per_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}: p(cluster)={self.cluster_probability:.3f}"


def model_file_prefix(run: TrainingRun) -> str:
    return f"cnn-run{run.pk}-"


def run_outputs_delete(run: TrainingRun) -> None:
    """Remove the model version (predictions included) and model files of a run that has not succeeded.

    Its model files are named by run and attempt (`cnn-run<id>-a<attempt>.pt`), so a file an attempt saved
    before it died, with or without its version row, is found too.
    """
    version = ModelVersion.objects.filter(run=run).first()
    if version is not None:
        if version.is_champion:
            raise ValueError(f"model v{version.pk} serves; it is not an attempt's leftover")
        version.delete()  # its predictions go with it (CASCADE)
    storage = model_storage()
    prefix = model_file_prefix(run)
    try:
        _, names = storage.listdir("models")
    except FileNotFoundError:
        names = []
    for name in names:
        if name.startswith(prefix):
            storage.delete(f"models/{name}")
