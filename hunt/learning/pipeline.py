"""Running a training run end to end: data, training with live progress, calibration on the validation
regions, model file, predictions for every subject, and champion/challenger promotion on the validation regions.

The serving model changes only in `training_run_succeed` (the run's success and `model_promote`, one
transaction); a failed, cancelled or killed run leaves it as it was.
"""

import io
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F

from hunt.core.jobs import (
    JobLost,
    JobRun,
    job_fail,
    job_finish,
    job_running,
    storage_error,
    storage_save,
)
from hunt.learning.base_model import base_network
from hunt.learning.dataset import subject_images
from hunt.learning.domains import domain_temperatures, sky_prior_factors, training_inputs
from hunt.learning.models import (
    CLASSES,
    LabelSnapshotRow,
    ModelVersion,
    Prediction,
    TrainingRun,
    model_storage,
)
from hunt.learning.selectors import model_version_subject_ids
from hunt.learning.services import (
    model_file_name,
    model_version_complete,
    training_run_claim,
    training_run_outputs_delete,
    training_run_succeed,
)
from hunt.learning.signals import model_version_trained
from hunt.similarity.models import LatentSpaceFile
from hunt.similarity.services import latent_space_store
from hunt.subjects.models import Subject
from ml.galactic_prior import apply_cluster_odds, apply_to_classes
from ml.learning.calibrate import apply_temperature
from ml.learning.config import TrainConfig, TrainingCancelled, TrainProgress
from ml.learning.labels import CLUSTER_INDICES
from ml.learning.model import ClusterNet
from ml.learning.predict import predict
from ml.learning.store import load_model, save_model
from ml.learning.train import train
from ml.metrics import roc_auc, tpr_at_fpr
from ml.render import PREPROCESSING_VERSION

logger = logging.getLogger(__name__)

# The validation regions' cutouts and cluster-vs-not labels, on which champion and challenger are compared.
Selection = tuple[np.ndarray, np.ndarray]

CODE_VERSION = f"cluster-hunt 0.1.0 / {PREPROCESSING_VERSION}"
PROGRESS_EVERY_SECONDS = 1.0


def training_run_execute(
    run_id: int, *, on_progress: Callable[[TrainProgress], None] | None = None
) -> None:
    """Entry point of the Celery task (and of `manage.py retrain`, which shows `on_progress` as a bar).

    Job bookkeeping (hunt.core.jobs): the claim clears an earlier attempt's outputs; a heartbeat runs while
    the attempt trains; the end is written only while this attempt still owns the run, and success and
    promotion are one transaction. A failure is recorded even across a dropped database connection
    (`job_fail` reconnects; otherwise the sweeper fails the silent run).
    """
    run = training_run_claim(run_id)
    if run is None:
        return
    try:
        with job_running(run) as attempt:
            import torch

            torch.set_num_threads(settings.TORCH_NUM_THREADS)
            version, selection = _train_and_register(run, attempt, on_progress)
            attempt.check()
            attempt.beat(stage=TrainingRun.Stage.COMPARISON, eta_seconds=None)
            promote, note = _champion_challenger(version, selection)
            attempt.check()
            attempt.beat(stage=TrainingRun.Stage.DONE)
            if not training_run_succeed(run=run, version=version, promote=promote, note=note):
                raise JobLost(f"training run #{run.pk} is no longer this worker's")
        # Robust: the run has succeeded; a follower's failure (say, queueing its evaluation) must not undo that.
        for receiver, outcome in model_version_trained.send_robust(
            sender=version, promoted=promote
        ):
            if isinstance(outcome, Exception):
                logger.error("after run #%s, %r failed: %s", run.pk, receiver, outcome)
    except (TrainingCancelled, JobLost) as stopped:
        logger.info("training run #%s attempt %s stopped: %s", run.pk, run.attempts, stopped)
        # Cancelled by request (or already cancelled/swept/superseded: then this writes nothing).
        job_finish(run, TrainingRun.Status.CANCELLED)
        _outputs_delete(run)
    except Exception as error:
        logger.exception("training run #%s failed", run.pk)
        message = storage_error(error) or f"{type(error).__name__}: {error}"
        job_fail(run, message)
        _outputs_delete(run)


def _outputs_delete(run: TrainingRun) -> None:
    """A failed or cancelled attempt leaves no model version or file behind (best effort).

    Only while no later attempt took the run over (that one cleans up at its claim and owns what it writes).
    """
    try:
        row = TrainingRun.objects.filter(pk=run.pk).values("status", "attempts").first()
        finished = row is not None and row["status"] in (
            TrainingRun.Status.FAILED, TrainingRun.Status.CANCELLED
        )  # fmt: skip
        if finished and row is not None and row["attempts"] == run.attempts:
            training_run_outputs_delete(run=run)
    except Exception:
        logger.exception("training run #%s: its outputs could not be removed", run.pk)


def _rows(run: TrainingRun) -> dict[str, tuple[list[int], np.ndarray, np.ndarray, np.ndarray]]:
    """Per split: subject ids, 5-class label indices, sample weights (crowd agreement) and vote counts.

    The counts (for the Dirichlet-multinomial loss) are the row's soft label (the crowd posterior) times its
    votes; a row without one (an expert label, a plurality label) puts its votes, at least one, on its label.
    """
    out: dict[str, tuple[list[int], list[int], list[float], list[list[float]]]] = {}
    rows = LabelSnapshotRow.objects.filter(snapshot=run.snapshot).order_by("subject_id")
    for subject_id, label, agreement, split, votes, probabilities in rows.values_list(
        "subject_id", "label", "agreement", "split", "votes", "probabilities"
    ):
        ids, labels, weights, counts = out.setdefault(split, ([], [], [], []))
        ids.append(subject_id)
        index = CLASSES.index(label)
        labels.append(index)
        weights.append(agreement)
        if probabilities:
            counts.append([max(votes, 1) * float(p) for p in probabilities])
        else:
            counts.append(
                [float(max(votes, 1)) if k == index else 0.0 for k in range(len(CLASSES))]
            )
    return {
        split: (
            ids,
            np.asarray(labels, dtype=np.int64),
            np.asarray(weights, dtype=np.float32),
            np.asarray(counts, dtype=np.float32).reshape(len(ids), len(CLASSES)),
        )
        for split, (ids, labels, weights, counts) in out.items()
    }


def label_recipe(params: dict[str, Any], snapshot: Any) -> dict[str, Any]:
    """What the labels were and how they trained, for the run's metrics and the model version."""
    loss = str(params.get("label_loss", "cross_entropy"))
    recipe: dict[str, Any] = {"aggregation": snapshot.aggregation, "loss": loss}
    if loss == "dirichlet_multinomial":
        recipe["concentration"] = float(params["label_concentration"])
        recipe["targets"] = "votes x crowd posterior (one-hot votes for expert and plurality rows)"
        recipe["weights"] = "1 (the counts carry the confidence)"
    else:
        recipe["targets"] = "the label (the posterior's most probable class)"
        recipe["weights"] = "agreement (the posterior's top probability, 1 for expert rows)"
    return recipe


def _progress_writer(
    run: TrainingRun, attempt: JobRun, on_progress: Callable[[TrainProgress], None] | None
) -> Any:
    last = [0.0]

    def report(progress: TrainProgress) -> None:
        if on_progress is not None:
            on_progress(progress)
        now = time.monotonic()
        if progress.kind == "batch" and now - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = now
        fields: dict[str, Any] = {
            "stage": TrainingRun.Stage.TRAINING,
            "epoch": progress.epoch,
            "epochs": progress.max_epochs,
            "batch": progress.batch,
            "batches": progress.n_batches,
            "loss": progress.train_loss,
            "eta_seconds": progress.eta_s,
        }
        if progress.kind == "epoch":
            point = {
                "epoch": progress.epoch,
                "train_loss": progress.train_loss,
                "val_loss": progress.val_loss,
                "val_accuracy": progress.val_accuracy,
                "val_auc": progress.val_auc,
            }
            run.curve = [*run.curve, point]
            fields["curve"] = run.curve
            if progress.epoch == progress.max_epochs:
                # The last epoch is done: what follows is calibration, not "a few seconds left" of training.
                fields.update(stage=TrainingRun.Stage.CALIBRATION, eta_seconds=None)
        # Guarded on this attempt: a cancelled or superseded attempt's progress is not written, and it stops.
        attempt.beat(**fields)

    return report


def _should_stop(attempt: JobRun) -> Any:
    def check() -> bool:
        # Set by any beat (this thread's progress or the heartbeat thread) that finds the run cancelled,
        # swept or taken over by a redelivery.
        return attempt.lost.is_set()

    return check


def _train_and_register(
    run: TrainingRun, attempt: JobRun, on_progress: Callable[[TrainProgress], None] | None
) -> tuple[ModelVersion, Selection | None]:
    splits = _rows(run)
    if "train" not in splits:
        raise ValueError("the snapshot has no training rows")
    params = run.params
    # Train on the training regions; the validation regions (whole sky cells, so no neighbour of a validation
    # subject is trained on) stop training early, fit the temperature and pick the champion. The locked test
    # regions are not in the snapshot at all: only the evaluation reads them.
    ids, labels, weights, counts = splits["train"]
    validation = np.zeros(len(ids), dtype=bool)
    val = splits.get("validation")
    # Both sides of cluster-vs-not are needed for early stopping on AUC-like figures and for calibration.
    has_validation = val is not None and len(set((val[1] <= 1).tolist())) == 2
    if val is not None and has_validation:
        ids = ids + val[0]
        labels = np.concatenate([labels, val[1]])
        weights = np.concatenate([weights, val[2]])
        counts = np.concatenate([counts, val[3]])
        validation = np.concatenate([validation, np.ones(len(val[0]), dtype=bool)])
    # Runs from before the simulation base started from random weights: their params say nothing, and mean that.
    initial, base_sha256 = base_network() if params.get("init") == "simulation" else (None, None)
    config = TrainConfig(
        seed=int(params["seed"]), max_epochs=int(params["epochs"]), batch_size=int(params["batch_size"]),
        learning_rate=float(params["learning_rate"]), patience=int(params["patience"]),
        num_threads=settings.TORCH_NUM_THREADS,
        label_loss=params.get("label_loss", "cross_entropy"),
        label_concentration=float(params.get("label_concentration", TrainConfig.label_concentration)),
        # Only a pretrained body is worth keeping; from random weights everything trains.
        freeze_body=bool(params.get("freeze_body", False)) and initial is not None,
    )  # fmt: skip
    if config.label_loss == "dirichlet_multinomial":
        weights = np.ones_like(weights)
    attempt.beat(stage=TrainingRun.Stage.LOADING)
    images = subject_images(ids)
    result = train(
        images, labels, weights=weights, config=config, counts=counts,
        progress=_progress_writer(run, attempt, on_progress), should_stop=_should_stop(attempt),
        # A snapshot without two classes in its validation regions (a tiny survey) falls back to a
        # stratified random share of the training rows, and says so in the metrics.
        validation=validation if has_validation else None, initial=initial,
    )  # fmt: skip
    model = result.model
    # Early stopping ends before the last epoch: the page shows the epochs that ran, then the next stage.
    attempt.beat(
        stage=TrainingRun.Stage.CALIBRATION, epoch=len(result.curve), batch=F("batches"),
        eta_seconds=None,
    )  # fmt: skip
    selection_metrics: dict[str, Any] = {}
    selection: Selection | None = None
    if has_validation:
        # The images are already in memory: the champion is scored on the same ones.
        selection = (images[validation], (labels[validation] <= 1).astype(np.int64))
        held = predict(model, selection[0])
        selection_metrics = {
            **_binary_metrics(held.cluster_prob, selection[1]),
            "split": "validation",
            "against": "snapshot labels (crowd consensus, trainable expert labels)",
            # Per subject set with enough validation labels: its own temperature (hunt.learning.domains).
            "domain_calibration": domain_temperatures(
                [pk for pk, v in zip(ids, validation, strict=True) if v],
                held.cluster_logit,
                selection[1],
            ),
        }
    else:
        selection_metrics = {"note": "no validation region with both classes: not compared"}
    selection_metrics["training_inputs"] = training_inputs(ids)
    buffer = io.BytesIO()
    save_model(model, buffer, metadata={"run": run.pk, "snapshot": run.snapshot.sha256})
    version = ModelVersion(
        run=run, snapshot_sha256=run.snapshot.sha256, code_version=CODE_VERSION, seed=config.seed,
        params=params, temperature=model.temperature, curve=result.curve,
        validation_metrics=result.val_metrics, selection_metrics=selection_metrics,
    )  # fmt: skip
    attempt.check()
    version.file.name = storage_save(
        model_storage(), f"models/{model_file_name(run)}", ContentFile(buffer.getvalue())
    )
    version.save()
    expected = _predictions_write(version, model, int(params.get("mc_samples", 8)), attempt)
    model_version_complete(version=version, expected=expected)
    run.metrics = {
        "validation": result.val_metrics, "selection": selection_metrics,
        "labels": label_recipe(params, run.snapshot),
        "init": (
            {"from": "simulation", "base_sha256": base_sha256, "trained": "heads" if config.freeze_body else "all"}
            if initial else {"from": "random", "trained": "all"}
        ),
    }  # fmt: skip
    attempt.beat(metrics=run.metrics)
    attempt.check()
    return version, selection


def _binary_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    if labels.min() == labels.max():
        return {"n": int(labels.size), "auc": None, "note": "one class only"}
    return {
        "n": int(labels.size),
        "positives": int(labels.sum()),
        "auc": roc_auc(probabilities, labels),
        "tpr_at_fpr_005": tpr_at_fpr(probabilities, labels, 0.05),
    }


def _predictions_write(
    version: ModelVersion, model: ClusterNet, mc_samples: int, attempt: JobRun
) -> int:
    """Predictions for every subject of the workflow, stored under this version (not yet visible), and
    from the same forward pass the penultimate layer: the version's latent space (hunt.similarity).

    Returns how many were meant to be written, which `model_version_complete` checks."""
    subject_ids = model_version_subject_ids(version)
    set_of = dict(Subject.objects.filter(pk__in=subject_ids).values_list("pk", "subject_set_id"))
    domains = version.selection_metrics.get("domain_calibration") or {}
    # The Galactic prior's factor per subject, from one read of their positions (NaN: it does not apply).
    priors = dict(zip(subject_ids, sky_prior_factors(subject_ids).tolist(), strict=True))
    attempt.beat(stage=TrainingRun.Stage.PREDICTIONS, stage_done=0, stage_total=len(subject_ids))
    embeddings: list[np.ndarray] = []
    for start in range(0, len(subject_ids), 2000):
        chunk = subject_ids[start : start + 2000]
        output = predict(
            model, subject_images(chunk), mc_samples=mc_samples, seed=version.seed, embed=True
        )
        assert output.embeddings is not None
        embeddings.append(output.embeddings)
        probability = output.cluster_prob.copy()
        for set_id, calibration in domains.items():
            # A set with its own temperature: its validation labels, not the mixture's, calibrate it.
            mine = np.asarray([set_of[pk] == int(set_id) for pk in chunk])
            if mine.any():
                probability[mine] = apply_temperature(
                    output.cluster_logit[mine], calibration["temperature"]
                )
        # After calibration: the prior moves the base rate, which the image-trained calibration knows nothing of.
        prior = np.array([priors[pk] for pk in chunk])
        factor = np.where(np.isnan(prior), 1.0, prior)
        probability = apply_cluster_odds(probability, factor)
        class_probs = apply_to_classes(output.class_probs, CLUSTER_INDICES, factor)
        Prediction.objects.bulk_create(
            [
                Prediction(
                    model_version=version,
                    subject_id=pk,
                    cluster_probability=float(probability[i]),
                    class_probabilities=dict(zip(CLASSES, map(float, class_probs[i]), strict=True)),
                    uncertainty=float(output.uncertainty[i]),
                    information=None if output.mc_bald is None else float(output.mc_bald[i]),
                    sky_prior=None if np.isnan(prior[i]) else float(prior[i]),
                )
                for i, pk in enumerate(chunk)
            ],
            batch_size=2000,
        )
        attempt.beat(stage_done=start + len(chunk))
        attempt.check()
    if len(subject_ids) >= 2:
        latent_space_store(
            version=version, ids=np.asarray(subject_ids), embeddings=np.concatenate(embeddings),
            source=LatentSpaceFile.Source.TRAINING,
        )  # fmt: skip
    return len(subject_ids)


def _champion_challenger(version: ModelVersion, selection: Selection | None) -> tuple[bool, str]:
    """Whether the new model should serve, and why: only if it beats the champion on the new snapshot's
    validation regions (the promotion itself is `training_run_succeed`, with the run's success).

    Both models are scored on the same validation subjects (the challenger's snapshot), so the comparison is
    fair even when the champion was trained on older labels. The test regions play no part: they report, they
    never choose. No champion yet: the first model is promoted.
    """
    current = ModelVersion.objects.filter(is_champion=True).first()
    challenger_auc = version.selection_metrics.get("auc")
    if current is None:
        return True, "first model"
    if challenger_auc is None or selection is None:
        return False, "not promoted: no validation AUC to compare"
    images, labels = selection
    with current.file.open("rb") as handle:
        champion_model = load_model(io.BytesIO(handle.read()))
    champion_probs = predict(champion_model.model, images).cluster_prob
    champion_auc = _binary_metrics(champion_probs, labels).get("auc") or 0.0
    if challenger_auc > champion_auc:
        return True, f"validation AUC {challenger_auc:.4f} > champion {champion_auc:.4f}"
    return (
        False,
        f"not promoted: validation AUC {challenger_auc:.4f} <= champion {champion_auc:.4f}",
    )
