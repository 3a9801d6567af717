"""Starting, running and finishing training runs; promoting and rolling back models.

One run at a time is a database constraint (`one_active_training_run`), so two admins pressing "Retrain" at
once cannot start two jobs: the second gets `TrainingAlreadyActive` (HTTP 409). The run row is the source of
truth for progress; a heartbeat on it lets a sweeper fail runs whose worker died, and an attempts counter caps
redeliveries (acks_late + reject_on_worker_lost redeliver a job whose worker was killed).
"""

import logging
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hunt.classify.models import Classification, SubjectStatus, Workflow
from hunt.classify.rules import seeded_random
from hunt.core.jobs import (
    JobUnavailable,
    job_cancel,
    job_claim,
    job_create_exclusive,
    job_enqueue,
    job_finish,
    jobs_sweep,
)
from hunt.learning.base_model import INIT_CHOICES
from hunt.learning.models import (
    ModelVersion,
    Prediction,
    TrainingRun,
    model_file_prefix,
    run_outputs_delete,
)
from hunt.learning.snapshots import label_snapshot_create
from ml.crowd import DEFAULT_LABEL_CONCENTRATION, DEFAULT_LABEL_LOSS, LABEL_LOSSES, acquisition

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = TrainingRun.MAX_ATTEMPTS

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
    # How they train (ml.learning.losses): "cross_entropy" on each row's label weighted by its agreement, or
    # "dirichlet_multinomial" on its vote counts (the posterior times its votes; one-hot for expert and
    # plurality rows) with this concentration. docs/crowd.md gives the measurement behind the default.
    "label_loss": DEFAULT_LABEL_LOSS,
    "label_concentration": DEFAULT_LABEL_CONCENTRATION,
    # Where training starts (hunt.learning.base_model): "simulation", the shipped network pretrained on a large
    # domain-randomised simulated survey, which the crowd's labels fine-tune; or "random" weights.
    "init": "simulation",
    # With that base, train the heads only and keep its convolutional features: on the demo, fine-tuning every
    # layer on the crowd's 3,319 labels bent them until the real Cygnus Loop read as a cluster (docs/model.md).
    "freeze_body": True,
}


# numpy's and torch's seeds are unsigned 32-bit in the workers' reproducibility story; refuse the rest up front
# rather than after the labels are frozen and the run queued (2**70 used to fail in the worker).
SEED_LIMIT = 2**32


class InvalidTrainingParams(ValueError):
    """Parameters no run could use; the API answers 400."""


def _check_params(params: dict[str, Any]) -> None:
    seed = params["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        raise InvalidTrainingParams(f"seed must be an integer from 0 to {SEED_LIMIT - 1}")
    if params["label_loss"] not in LABEL_LOSSES:
        raise InvalidTrainingParams(f"label_loss must be one of {', '.join(LABEL_LOSSES)}")
    concentration = params["label_concentration"]
    if (
        isinstance(concentration, bool)
        or not isinstance(concentration, int | float)
        or not 0 < concentration < 1e6
    ):
        raise InvalidTrainingParams("label_concentration must be a positive number below 1e6")
    if not isinstance(params["freeze_body"], bool):
        raise InvalidTrainingParams("freeze_body must be true or false")
    if params["init"] not in INIT_CHOICES:
        raise InvalidTrainingParams(f"init must be one of {', '.join(INIT_CHOICES)}")
    if params["aggregation"] not in ("posterior", "plurality"):
        raise InvalidTrainingParams("aggregation must be 'posterior' or 'plurality'")


class TrainingAlreadyActive(Exception):
    def __init__(self, run: TrainingRun) -> None:
        super().__init__(
            f"training run #{run.pk} is already {run.status}; wait for it or cancel it"
        )
        self.run = run


class TrainingUnavailable(JobUnavailable):
    """The job could not be queued (e.g. the broker is down); the run is marked failed, not left queued."""


class NotEnoughLabels(Exception):
    pass


class NoNewLabels(Exception):
    """The labels are the ones the newest succeeded run learnt from: asked to confirm before retraining."""

    def __init__(self, run: TrainingRun, *, same_params: bool) -> None:
        outcome = (
            "the same parameters would train an identical model"
            if same_params
            else "only the parameters differ"
        )
        super().__init__(
            f"no labels changed since run #{run.pk} (snapshot {run.snapshot.sha256[:12]}): {outcome}; "
            f"confirm to retrain anyway"
        )
        self.run = run


class ModelNotPromotable(Exception):
    """Only a complete version of a succeeded run may serve: the message says what is missing."""


def training_runs_sweep(*, now: Any = None) -> int:
    """Re-queue (or, attempts spent, fail) runs whose worker went silent, fail those never picked up;
    returns how many.

    Celery beat sweeps every job model (hunt.core.jobs.jobs_sweep); a trigger sweeps training runs first too,
    so a dead run never blocks a new one with a 409 (a re-queued one is alive again, and does).
    """
    return jobs_sweep(now=now, only=[TrainingRun])["TrainingRun"]


def training_run_start(
    *,
    user: User | None,
    workflow: Workflow,
    params: dict[str, Any] | None = None,
    queue: bool = True,
    trigger: str = TrainingRun.Trigger.ADMIN,
    refuse_unchanged: bool = False,
) -> TrainingRun:
    """Freeze the labels and queue a run; raises TrainingAlreadyActive while another run is active.

    With `refuse_unchanged` (the page, the API and the admin unless confirmed), labels identical to those of
    the newest succeeded run (same snapshot hash) raise `NoNewLabels` and nothing is made: retraining on them
    costs minutes and, with the same parameters, gives the same model.
    """
    training_runs_sweep()
    merged = {**DEFAULT_PARAMS, **(params or {})}
    _check_params(merged)

    def create() -> TrainingRun:
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
            if refuse_unchanged:
                _refuse_unchanged(snapshot.sha256, merged)
            return TrainingRun.objects.create(
                snapshot=snapshot, params=merged, requested_by=user, trigger=trigger
            )

    run = job_create_exclusive(TrainingRun, create, TrainingAlreadyActive)
    if queue:
        _enqueue(run)
    return run


def _refuse_unchanged(sha256: str, params: dict[str, Any]) -> None:
    last = (
        TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED)
        .select_related("snapshot")
        .first()
    )
    if last is not None and last.snapshot.sha256 == sha256:
        # Raised inside the transaction: the snapshot just frozen is rolled back with it.
        raise NoNewLabels(last, same_params=last.params == params)


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
    A dead run is swept first, so it cannot keep the schedule off.
    """
    training_runs_sweep()
    if TrainingRun.objects.filter(status__in=TrainingRun.ACTIVE).exists():
        return None
    new = labels_since_last_run(workflow=workflow)
    if new < min_new_labels:
        return None
    try:
        run = training_run_start(
            user=None, workflow=workflow, params=params, queue=queue,
            trigger=TrainingRun.Trigger.SCHEDULE, refuse_unchanged=True,
        )  # fmt: skip
    except (TrainingAlreadyActive, NotEnoughLabels, NoNewLabels) as error:
        logger.info("scheduled retraining skipped: %s", error)
        return None
    logger.info("scheduled retraining: run #%s after %s new labels", run.pk, new)
    return run


def _enqueue(run: TrainingRun) -> None:
    try:
        job_enqueue(run)
    except JobUnavailable as error:
        raise TrainingUnavailable(str(error)) from error


def training_run_cancel(*, run: TrainingRun) -> TrainingRun:
    """Cancel a run now, even when its worker is gone; a live worker stops at its next batch."""
    return job_cancel(run)


# What a new attempt starts from: a redelivered run shows its own progress and curve, never a mix.
ATTEMPT_RESET: dict[str, Any] = {
    "epoch": 0, "epochs": 0, "batch": 0, "batches": 0, "loss": None, "eta_seconds": None, "curve": [],
    "metrics": {}, "finished_at": None, "stage": TrainingRun.Stage.WAITING, "stage_done": 0, "stage_total": 0,
}  # fmt: skip


def training_run_claim(run_id: int) -> TrainingRun | None:
    """Take a run for this delivery (hunt.core.jobs.job_claim) and clear what an earlier attempt left.

    Idempotent on the run id: a finished run is never re-run; a redelivered running run counts an attempt
    (failed past MAX_ATTEMPTS), starts its progress and curve afresh, and finds no model version or model
    file of the attempt that died, so it can register its own.
    """
    run = job_claim(TrainingRun, run_id, reset=ATTEMPT_RESET)
    if run is not None:
        training_run_outputs_delete(run=run)
    return run


def training_run_outputs_delete(*, run: TrainingRun) -> None:
    """Remove the model version (predictions included) and model files of a run that has not succeeded."""
    run_outputs_delete(run)


def model_file_name(run: TrainingRun) -> str:
    """Keyed by attempt: a file of an attempt that died is never mistaken for this one's."""
    return f"{model_file_prefix(run)}a{run.attempts}.pt"


def model_version_complete(*, version: ModelVersion, expected: int) -> None:
    """Mark `version` complete once its `expected` predictions are all written (else raise)."""
    written = Prediction.objects.filter(model_version=version).count()
    if written != expected:
        raise ModelNotPromotable(
            f"model v{version.pk} has {written} predictions for {expected} subjects"
        )
    ModelVersion.objects.filter(pk=version.pk).update(complete=True)
    version.complete = True


def model_promotable(version: ModelVersion) -> str | None:
    """Why `version` may not serve (None when it may): its run succeeded and its predictions are complete."""
    if version.run.status != TrainingRun.Status.SUCCEEDED:
        return (
            f"model v{version.pk} belongs to run #{version.run_id}, which is {version.run.status}"
        )
    if not version.complete:
        return f"model v{version.pk} is incomplete (its predictions were never all written)"
    return None


@transaction.atomic
def training_run_succeed(
    *, run: TrainingRun, version: ModelVersion, promote: bool, note: str
) -> bool:
    """End the attempt as succeeded and, if `promote`, make its version serve, in one transaction.

    False (nothing written, nothing promoted) when the attempt no longer owns the run: cancelled, swept, or
    superseded by a redelivery.
    """
    if not job_finish(
        run, TrainingRun.Status.SUCCEEDED, metrics={**run.metrics, "promoted": promote}
    ):
        transaction.set_rollback(True)
        return False
    if promote:
        model_promote(version=version, note=note)
    else:
        version.promotion_note = note
        version.save(update_fields=["promotion_note"])
    return True


@transaction.atomic
def model_promote(*, version: ModelVersion, note: str = "") -> ModelVersion:
    """Make `version` the champion and reorder volunteers' queue by what a label would teach it, in one transaction.

    Only a complete version of a succeeded run may serve (`ModelNotPromotable` otherwise): the API, the admin
    and the page all come here, so none of them can promote a half-written or failed run's model.

    Readers filter predictions by the champion, so they see the old model's predictions or the new ones,
    never a mix. Priorities (`ml.crowd.acquisition.priorities`): most informative first (BALD over the
    MC-dropout samples; the uncertainty for a version stored without it), likely clusters interleaved at the
    front, a random share (`random_priority_share`) at seeded-random places, and a never-prioritised sample
    (`never_prioritised_share`, chosen by subject, the same for every version) at fixed random places.
    """
    given = version
    version = (
        ModelVersion.objects.select_for_update().select_related("run__snapshot").get(pk=version.pk)
    )
    problem = model_promotable(version)
    if problem is not None:
        raise ModelNotPromotable(problem)
    # The model it replaces says so: its old note ("first model", a validation AUC) no longer describes it.
    ModelVersion.objects.filter(is_champion=True).exclude(pk=version.pk).update(
        is_champion=False, promotion_note=f"served until v{version.pk} replaced it"
    )
    version.is_champion = True
    version.promoted_at = timezone.now()
    version.promotion_note = note
    version.save(update_fields=["is_champion", "promoted_at", "promotion_note"])
    given.is_champion, given.promoted_at, given.promotion_note = True, version.promoted_at, note
    workflow = version.run.snapshot.workflow
    predictions = {
        pk: (information if information is not None else uncertainty, p)
        for pk, information, uncertainty, p in Prediction.objects.filter(
            model_version=version
        ).values_list("subject_id", "information", "uncertainty", "cluster_probability")
    }
    if not predictions:
        return version
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
    return version
