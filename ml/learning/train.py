"""Training loop: arrays in, best calibrated model out, with progress and cooperative cancellation.

The recipe: a validation split (the caller's, e.g. whole sky regions, or a stratified random one); AdamW with a cosine-decaying learning rate; a random
flip/rotation per image per epoch; BCE on cluster-vs-not plus class-weighted cross-entropy on the
five classes, each image weighted by the caller's per-sample weight (or, with
``TrainConfig.label_loss="dirichlet_multinomial"``, the Beta- and Dirichlet-multinomial of each image's vote
counts, ``ml.learning.losses``); early stopping on the
validation loss, keeping the best epoch's weights; finally temperature scaling of the binary head
on the same validation split. Modality dropout hides the optical band of a share of every class
each epoch (``TrainConfig.optical_dropout``). Everything random comes from ``config.seed``, and torch runs in
deterministic mode, so the same inputs, seed and thread count give the same weights.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import torch

from ml.learning._runtime import torch_session
from ml.learning.augment import drop_optical_band, random_dihedral
from ml.learning.calibrate import apply_temperature, fit_temperature
from ml.learning.config import (
    StopReason,
    TrainConfig,
    TrainingCancelled,
    TrainProgress,
    TrainResult,
)
from ml.learning.labels import check_labels, cluster_targets, stratified_split
from ml.learning.losses import ClusterLoss, balanced_class_weights, one_hot_counts
from ml.learning.model import ClusterNet, check_images
from ml.learning.predict import raw_logits
from ml.metrics import brier_score, expected_calibration_error, roc_auc, tpr_at_fpr

ProgressCallback = Callable[[TrainProgress], None]

# Training reports ECE over 15 equal-width bins (the dashboard uses 10): a finer view of the
# temperature fit on a validation set of thousands.
ECE_BINS = 15


def _check_inputs(
    images: np.ndarray,
    labels5: np.ndarray,
    weights: np.ndarray | None,
    counts: np.ndarray | None,
    config: TrainConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    check_images(images, config.model)
    labels = check_labels(labels5)
    if labels.size != images.shape[0]:
        raise ValueError(f"{images.shape[0]} images but {labels.size} labels")
    if weights is None:
        w: np.ndarray = np.ones(labels.size, np.float32)
    else:
        w = np.asarray(weights, dtype=np.float32)
        if w.shape != labels.shape or not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite, non-negative and one per image")
    if config.label_loss != "dirichlet_multinomial":
        return labels, w, None
    if counts is None:
        return labels, w, one_hot_counts(labels)
    c = np.asarray(counts, dtype=np.float32)
    if (
        c.shape != (labels.size, config.model.n_classes)
        or not np.isfinite(c).all()
        or (c < 0).any()
        or not (c.sum(axis=1) > 0).all()
    ):
        raise ValueError(
            "counts must be finite, non-negative, one row of class counts per image, none all zero"
        )
    return labels, w, c


def _pos_weight(config: TrainConfig, train_labels: np.ndarray) -> float:
    if config.cluster_pos_weight is None:
        return 1.0
    if config.cluster_pos_weight == "balanced":
        positives = float(cluster_targets(train_labels).sum())
        return (train_labels.size - positives) / positives if positives else 1.0
    return float(config.cluster_pos_weight)


def _evaluate(
    model: ClusterNet,
    x: torch.Tensor,
    labels: np.ndarray,
    weights: np.ndarray,
    counts: np.ndarray | None,
    loss_fn: ClusterLoss,
    batch_size: int,
) -> tuple[dict[str, float], np.ndarray]:
    """Validation loss (weighted like training), accuracies and AUC; also the raw binary logits."""
    logit, class_logits = raw_logits(model, x, batch_size)
    y = torch.from_numpy(labels)
    w = torch.from_numpy(weights)
    n = None if counts is None else torch.from_numpy(counts)
    loss = loss_fn(torch.from_numpy(logit), torch.from_numpy(class_logits), y, w, n)
    target = cluster_targets(labels)
    metrics = {
        "loss": float(loss),
        "accuracy": float(np.mean(class_logits.argmax(axis=1) == labels)),
        "binary_accuracy": float(np.mean((logit > 0) == (target > 0.5))),
        "auc": roc_auc(logit, target),
    }
    return metrics, logit


def _final_metrics(
    base: dict[str, float], logit: np.ndarray, labels: np.ndarray, temperature: float
) -> dict[str, float]:
    target = cluster_targets(labels)
    metrics = dict(base)
    metrics["tpr_at_fpr_0.05"] = (
        tpr_at_fpr(logit, target, 0.05) if 0 < target.sum() < target.size else float("nan")
    )
    metrics["ece_raw"] = expected_calibration_error(
        apply_temperature(logit, 1.0), target, n_bins=ECE_BINS
    )
    calibrated = apply_temperature(logit, temperature)
    metrics["ece"] = expected_calibration_error(calibrated, target, n_bins=ECE_BINS)
    metrics["brier"] = brier_score(calibrated, target)
    metrics["temperature"] = temperature
    metrics["n_val"] = float(labels.size)
    return metrics


def train(
    images: np.ndarray,
    labels5: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    config: TrainConfig | None = None,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    validation: np.ndarray | None = None,
    counts: np.ndarray | None = None,
    initial: ClusterNet | None = None,
) -> TrainResult:
    """Train a :class:`ClusterNet` on (N, C, S, S) float32 cutouts (``ml.render.cnn_input``) with 5-class labels 0..4.

    ``weights`` are per-image (e.g. volunteer agreement). ``progress`` is called after every batch
    and every epoch; ``should_stop`` is polled before every batch and, when it returns True,
    training raises :class:`TrainingCancelled`. ``validation`` is a boolean mask of the images kept
    for early stopping and calibration (e.g. whole sky regions, so that no neighbour of a validation
    image is trained on); without it a stratified random ``config.val_fraction`` is held out.
    ``initial`` (a network of ``config.model``'s architecture, e.g. the simulation-pretrained base of
    ``ml.learning.pretrain``) is where training starts instead of a random initialisation; it is not changed.
    ``config.freeze_body`` (heads only) needs one: random features are not worth keeping.
    Raises ValueError on malformed input.
    """
    config = config or TrainConfig()
    labels, w, n = _check_inputs(images, labels5, weights, counts, config)
    val_mask = None if validation is None else np.asarray(validation, dtype=bool)
    if val_mask is not None and (
        val_mask.shape != labels.shape or not val_mask.any() or val_mask.all()
    ):
        raise ValueError(
            "validation must be a boolean mask, one per image, with images on both sides"
        )
    if config.freeze_body and initial is None:
        raise ValueError("freeze_body keeps the initial network's features: pass initial")
    if initial is not None and initial.config != config.model:
        raise ValueError(
            f"the initial network's architecture {initial.config} is not the configured {config.model}"
        )
    with torch_session(
        threads=config.num_threads, deterministic=config.deterministic, seed=config.seed
    ):
        return _train(images, labels, w, n, config, progress, should_stop, val_mask, initial)


def _trainable_parameters(model: ClusterNet, config: TrainConfig) -> list[torch.nn.Parameter]:
    """The parameters training updates: all, or (``freeze_body``) the heads', after freezing the body's."""
    if not config.freeze_body:
        return list(model.parameters())
    for parameter in model.body.parameters():
        parameter.requires_grad_(False)
    return [p for name, p in model.named_parameters() if not name.startswith("body.")]


def _train(
    images: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    counts: np.ndarray | None,
    config: TrainConfig,
    progress: ProgressCallback | None,
    should_stop: Callable[[], bool] | None,
    val_mask: np.ndarray | None,
    initial: ClusterNet | None,
) -> TrainResult:
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    if val_mask is None:
        train_idx, val_idx = stratified_split(labels, config.val_fraction, rng)
    else:
        train_idx, val_idx = np.flatnonzero(~val_mask), np.flatnonzero(val_mask)
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    x_val = x[torch.from_numpy(val_idx)]
    y_all = torch.from_numpy(labels)
    w_all = torch.from_numpy(weights)
    n_all = None if counts is None else torch.from_numpy(counts)
    val_counts = None if counts is None else counts[val_idx]

    model = ClusterNet(config.model)
    if initial is not None:
        model.load_state_dict(initial.state_dict())
    class_weights = (
        balanced_class_weights(labels[train_idx], config.model.n_classes)
        if config.class_weighting
        else np.ones(config.model.n_classes)
    )
    loss_fn = ClusterLoss(
        class_weights,
        _pos_weight(config, labels[train_idx]),
        label_loss=config.label_loss,
        concentration=config.label_concentration,
    )
    optimizer = torch.optim.AdamW(
        _trainable_parameters(model, config),
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )
    n_batches = math.ceil(train_idx.size / config.batch_size)
    total_steps = config.max_epochs * n_batches
    # Cosine decay to 5 % of the initial rate over the planned run: max_epochs, or, under a time
    # budget, as many epochs as the first one says will fit, so the rate has come down by the
    # time the budget stops training.
    horizon = [total_steps]
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(step / horizon[0], 1.0))),
    )

    curve: list[dict[str, float]] = []
    best: dict[str, Any] = {"loss": math.inf, "epoch": 0, "state": None}
    latest: dict[str, float] = {}
    stop_reason: StopReason = "max_epochs"
    batch_seconds = val_seconds = 0.0
    images_seen = 0
    epochs_without_gain = 0

    def report(kind: Literal["batch", "epoch"], epoch: int, batch: int, train_loss: float) -> None:
        if progress is None:
            return
        elapsed = time.perf_counter() - start
        batches_done = (epoch - 1) * n_batches + batch
        per_batch = batch_seconds / max(batches_done, 1)
        if curve:
            per_val = val_seconds / len(curve)
        else:
            # No validation timed yet: a forward pass costs about a third of a training step.
            per_val = per_batch * val_idx.size / (3 * config.batch_size)
        eta = (total_steps - batches_done) * per_batch + (config.max_epochs - len(curve)) * per_val
        if config.max_seconds is not None:
            eta = min(eta, max(config.max_seconds - elapsed, 0.0))
        progress(
            TrainProgress(
                kind=kind,
                epoch=epoch,
                max_epochs=config.max_epochs,
                batch=batch,
                n_batches=n_batches,
                train_loss=train_loss,
                val_loss=latest.get("loss"),
                val_accuracy=latest.get("accuracy"),
                val_auc=latest.get("auc"),
                best_epoch=best["epoch"] or None,
                elapsed_s=elapsed,
                eta_s=eta,
                images_per_s=images_seen / batch_seconds if batch_seconds else 0.0,
            )
        )

    for epoch in range(1, config.max_epochs + 1):
        epoch_start = time.perf_counter()
        model.train()
        if config.freeze_body:
            # Frozen convolutions keep their batch-norm statistics too: they are part of the features.
            model.body.eval()
        order = rng.permutation(train_idx)
        loss_sum = weight_sum = 0.0
        for batch_no in range(n_batches):
            if should_stop is not None and should_stop():
                raise TrainingCancelled(epoch, batch_no)
            t0 = time.perf_counter()
            index = torch.from_numpy(order[batch_no * config.batch_size :][: config.batch_size])
            batch = x[index]
            if config.augment:
                batch = random_dihedral(batch, rng)
            if config.optical_dropout > 0:
                batch = drop_optical_band(batch, rng, config.optical_dropout)
            batch = batch.contiguous(memory_format=torch.channels_last)
            cluster_logit, class_logits = model(batch)
            batch_w = w_all[index]
            batch_n = None if n_all is None else n_all[index]
            loss = loss_fn(cluster_logit, class_logits, y_all[index], batch_w, batch_n)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            batch_seconds += time.perf_counter() - t0
            images_seen += index.numel()
            loss_sum += float(loss.detach()) * float(batch_w.sum())
            weight_sum += float(batch_w.sum())
            report("batch", epoch, batch_no + 1, loss_sum / max(weight_sum, 1e-12))

        t0 = time.perf_counter()
        latest, _ = _evaluate(
            model,
            x_val,
            labels[val_idx],
            weights[val_idx],
            val_counts,
            loss_fn,
            config.eval_batch_size,
        )
        val_seconds += time.perf_counter() - t0
        train_loss = loss_sum / max(weight_sum, 1e-12)
        curve.append(
            {
                "epoch": float(epoch),
                "train_loss": train_loss,
                "val_loss": latest["loss"],
                "val_accuracy": latest["accuracy"],
                "val_binary_accuracy": latest["binary_accuracy"],
                "val_auc": latest["auc"],
                "learning_rate": float(scheduler.get_last_lr()[0]),
                "seconds": time.perf_counter() - epoch_start,
            }
        )
        if latest["loss"] < best["loss"] - config.min_delta:
            best = {
                "loss": latest["loss"],
                "epoch": epoch,
                "state": copy.deepcopy(model.state_dict()),
            }
            epochs_without_gain = 0
        else:
            epochs_without_gain += 1
        report("epoch", epoch, n_batches, train_loss)
        if epoch == 1 and config.max_seconds is not None:
            fits = int(config.max_seconds // max(time.perf_counter() - start, 1e-9))
            horizon[0] = max(1, min(config.max_epochs, fits)) * n_batches
        if epochs_without_gain >= config.patience:
            stop_reason = "early_stopping"
            break
        elapsed = time.perf_counter() - start
        if (
            config.max_seconds is not None
            and epoch < config.max_epochs
            and elapsed + curve[-1]["seconds"] > config.max_seconds
        ):
            stop_reason = "time_budget"
            break

    # A NaN loss never beats inf, leaving no best state; fall back to the last weights then.
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    model.eval()
    model.requires_grad_(
        True
    )  # a frozen body is frozen for this run only, not in the model handed back
    base, logit = _evaluate(
        model,
        x_val,
        labels[val_idx],
        weights[val_idx],
        val_counts,
        loss_fn,
        config.eval_batch_size,
    )
    val_target = cluster_targets(labels[val_idx])
    if config.calibrate and 0 < val_target.sum() < val_target.size:
        model.temperature = fit_temperature(logit, val_target, weights[val_idx])
    return TrainResult(
        model=model,
        curve=curve,
        best_epoch=int(best["epoch"]) or len(curve),
        stop_reason=stop_reason,
        val_metrics=_final_metrics(base, logit, labels[val_idx], model.temperature),
        train_indices=train_idx,
        val_indices=val_idx,
        elapsed_s=time.perf_counter() - start,
        train_images_per_s=images_seen / batch_seconds if batch_seconds else 0.0,
        config=config,
    )
