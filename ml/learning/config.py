"""Training hyper-parameters, progress reports and results: plain data, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

import numpy as np

from ml.crowd import DEFAULT_LABEL_CONCENTRATION, DEFAULT_LABEL_LOSS, LABEL_LOSSES
from ml.learning.losses import LabelLoss
from ml.learning.model import ClusterNet, ModelConfig

StopReason = Literal["max_epochs", "early_stopping", "time_budget"]


@dataclass(frozen=True)
class TrainConfig:
    """How to train; stored with each model version so a run can be repeated."""

    model: ModelConfig = field(default_factory=ModelConfig)
    max_epochs: int = 25
    # Epochs without a val-loss improvement of at least min_delta before stopping.
    patience: int = 5
    min_delta: float = 1e-4
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.15
    # Random flip/rotation per image per epoch (the eight symmetries of the square).
    augment: bool = True
    # Modality dropout: the share of training images that have an optical band which, each
    # epoch, are shown without it (optical channel and its mask at 0), drawn independently of
    # the class, so "no optical image" is never evidence for any class (real XMM subjects have
    # none). 0 turns it off.
    optical_dropout: float = 0.35
    # Train the heads only, the convolutional body (weights and batch-norm statistics) kept as the initial
    # network has it: fine-tuning a pretrained network on a few thousand noisy labels otherwise bends the
    # features it learnt from the simulator's physics (ml.learning.pretrain).
    freeze_body: bool = False
    # Balanced weights for the 5-class term (see ml.learning.losses for why not the binary one).
    class_weighting: bool = True
    # Extra weight on positive (cluster) images in the binary term: None for none, a number, or
    # "balanced" (negatives / positives), for surveys where clusters are rare.
    cluster_pos_weight: float | Literal["balanced"] | None = None
    # How the labels train (ml.learning.losses): "cross_entropy" on one hard label per image, scaled by its
    # sample weight, or "dirichlet_multinomial" on its vote counts (the crowd posterior times its votes), with
    # `label_concentration` the Dirichlet's concentration. The default, by measurement (docs/crowd.md,
    # bench/label_efficiency.py --compare-loss): on the posterior arm's labels the CNN's TPR at FPR <= 5 % rose
    # by 0.04-0.10 (three runs of 4 seeds). Without counts each label is one vote: exactly the cross-entropy.
    label_loss: LabelLoss = DEFAULT_LABEL_LOSS
    label_concentration: float = DEFAULT_LABEL_CONCENTRATION
    # Fit the binary head's temperature on the validation split after training.
    calibrate: bool = True
    seed: int = 0
    # torch threads while training (None: leave the process setting). On a shared machine one
    # thread is often faster than two: OpenMP spin-waits when the other core is busy.
    num_threads: int | None = None
    deterministic: bool = True
    # Stop before an epoch that would end past this many seconds (None: no limit). The learning
    # rate schedule then adapts to the epochs that fit, which depends on the machine's speed:
    # runs are bit-for-bit repeatable only without a budget.
    max_seconds: float | None = None
    eval_batch_size: int = 512

    def __post_init__(self) -> None:
        if self.max_epochs < 1 or self.patience < 1 or self.batch_size < 1:
            raise ValueError("max_epochs, patience and batch_size must be positive")
        if not 0.0 <= self.optical_dropout <= 1.0:
            raise ValueError(f"optical_dropout must lie in [0, 1], got {self.optical_dropout}")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must lie in (0, 1), got {self.val_fraction}")
        if self.learning_rate <= 0 or self.weight_decay < 0:
            raise ValueError("learning_rate must be positive and weight_decay non-negative")
        if self.label_loss not in LABEL_LOSSES:
            raise ValueError(f"label_loss must be one of {LABEL_LOSSES}, got {self.label_loss!r}")
        if not self.label_concentration > 0:
            raise ValueError("label_concentration must be positive")
        if isinstance(self.cluster_pos_weight, str):
            if self.cluster_pos_weight != "balanced":
                raise ValueError("cluster_pos_weight must be None, a number or 'balanced'")
        elif self.cluster_pos_weight is not None and not self.cluster_pos_weight > 0:
            raise ValueError("cluster_pos_weight must be positive")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["model"] = self.model.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown training config field(s) {sorted(unknown)}")
        values = dict(data)
        if "model" in values:
            values["model"] = ModelConfig.from_json(values["model"])
        return cls(**values)


@dataclass(frozen=True)
class TrainProgress:
    """One report to the progress callback: after every batch (kind "batch") and epoch ("epoch").

    Validation figures are those of the latest finished epoch (None before the first). ``eta_s``
    assumes training runs to ``max_epochs`` (or the time budget), so early stopping can only make
    it finish sooner.
    """

    kind: Literal["batch", "epoch"]
    epoch: int  # 1-based
    max_epochs: int
    batch: int  # batches done in this epoch
    n_batches: int
    train_loss: float  # running mean over this epoch's batches
    val_loss: float | None
    val_accuracy: float | None
    val_auc: float | None
    best_epoch: int | None
    elapsed_s: float
    eta_s: float
    images_per_s: float

    @property
    def fraction_done(self) -> float:
        """Share of the maximum number of batches done, for a progress bar."""
        total = self.max_epochs * self.n_batches
        return ((self.epoch - 1) * self.n_batches + self.batch) / total

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["fraction_done"] = self.fraction_done
        return data


@dataclass(frozen=True, eq=False)
class TrainResult:
    """The best model (lowest validation loss, calibrated), its learning curve and metrics."""

    model: ClusterNet
    curve: list[dict[str, float]]  # one row per epoch
    best_epoch: int
    stop_reason: StopReason
    # Of the best model on the validation split: loss, accuracy (5-class), binary_accuracy, auc,
    # tpr_at_fpr_0.05, ece_raw, ece, brier, temperature, n_val.
    val_metrics: dict[str, float]
    train_indices: np.ndarray
    val_indices: np.ndarray
    elapsed_s: float
    train_images_per_s: float
    config: TrainConfig


class TrainingCancelled(Exception):
    """``should_stop`` asked training to stop; no model is returned."""

    def __init__(self, epoch: int, batch: int) -> None:
        super().__init__(f"training cancelled in epoch {epoch} after {batch} batches")
        self.epoch = epoch
        self.batch = batch
