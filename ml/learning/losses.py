"""The two-head loss: cluster-vs-not on the binary head plus the five classes on the class head.

Two label losses (``TrainConfig.label_loss``):

* ``"cross_entropy"``: BCE on cluster-vs-not plus cross-entropy on the five classes, against one hard label per
  image, each image scaled by its sample weight (e.g. the crowd posterior's top probability);
* ``"dirichlet_multinomial"``: the image's votes (a (5,) vector of counts, or the crowd posterior times its
  votes) are a draw from a Dirichlet-multinomial whose mean is the model's class probabilities, with a fixed
  concentration ``c``: Walmsley et al. (2020, Galaxy Zoo) train on vote counts this way. The binary head gets the
  Beta-binomial of the cluster votes (both cluster classes) against the rest. ``c`` says how over-dispersed the
  votes are: the crowd's mistakes are correlated through the image (a faint distant cluster fools many
  volunteers at once), so a subject's 15th vote tells less than its 3rd; large ``c`` trusts every vote as
  independent (the loss tends to the counts times the cross-entropy), small ``c`` lets a few votes count almost
  as much as many. One vote (one-hot counts) gives exactly the cross-entropy, whatever ``c``.

The negative log-likelihoods drop the multinomial coefficient N! / prod(n_k!), constant in the logits.

Class weights counter imbalance. By default only the 5-class term is class-weighted: re-weighting the binary term
would shift the cluster probability's prior, which temperature scaling (a single scale, no offset) cannot undo, so
the calibrated probability would be biased.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from ml.crowd import LABEL_LOSSES
from ml.learning.labels import CLUSTER_INDICES, N_CLASSES

LabelLoss = Literal["cross_entropy", "dirichlet_multinomial"]


def balanced_class_weights(labels5: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """n / (k * count_c) for the k classes present, 0 for absent ones; the mean weight per sample is 1."""
    counts = np.bincount(labels5, minlength=n_classes).astype(np.float64)
    present = counts > 0
    weights = np.zeros(n_classes)
    weights[present] = labels5.size / (present.sum() * counts[present])
    return weights


def dirichlet_multinomial_nll(
    logits: torch.Tensor, counts: torch.Tensor, concentration: float
) -> torch.Tensor:
    """Per-sample -log DirMult(counts | alpha = concentration * softmax(logits)), less the multinomial coefficient.

    ``counts`` (N, K) are non-negative, need not be integers (a posterior times its votes) and may sum to
    different totals per row. With one vote it is the cross-entropy; as ``concentration`` grows it tends to
    ``-(counts * log_softmax(logits)).sum()``.
    """
    if concentration <= 0:
        raise ValueError(f"concentration must be positive, got {concentration}")
    alpha = concentration * torch.softmax(logits, dim=-1)
    total = counts.sum(dim=-1)
    c = torch.as_tensor(concentration, dtype=logits.dtype)
    log_p = (
        torch.lgamma(c)
        - torch.lgamma(total + c)
        + (torch.lgamma(counts + alpha) - torch.lgamma(alpha)).sum(dim=-1)
    )
    return -log_p


def beta_binomial_nll(
    logit: torch.Tensor, successes: torch.Tensor, total: torch.Tensor, concentration: float
) -> torch.Tensor:
    """Per-sample -log BetaBinomial(successes | total, c * sigmoid(logit), c * sigmoid(-logit)), less the coefficient.

    The two-class Dirichlet-multinomial, from one logit: with one vote it is the binary cross-entropy.
    """
    logits = torch.stack([logit, torch.zeros_like(logit)], dim=-1)
    counts = torch.stack([successes, total - successes], dim=-1)
    return dirichlet_multinomial_nll(logits, counts, concentration)


def one_hot_counts(labels5: np.ndarray, votes: np.ndarray | None = None) -> np.ndarray:
    """(N, 5) float32 counts: each label's votes (at least 1) on its class, for rows with no soft label."""
    labels = np.asarray(labels5, dtype=np.int64)
    n = np.ones(labels.size) if votes is None else np.maximum(np.asarray(votes, np.float64), 1.0)
    out = np.zeros((labels.size, N_CLASSES), np.float32)
    out[np.arange(labels.size), labels] = n
    return out


class ClusterLoss:
    """Per-sample loss of (cluster logit, class logits) against 5-class labels, or vote counts."""

    def __init__(
        self,
        class_weights: np.ndarray,
        pos_weight: float = 1.0,
        *,
        label_loss: LabelLoss = "cross_entropy",
        concentration: float = 10.0,
    ) -> None:
        if label_loss not in LABEL_LOSSES:
            raise ValueError(f"label_loss must be one of {LABEL_LOSSES}, got {label_loss!r}")
        if concentration <= 0:
            raise ValueError(f"concentration must be positive, got {concentration}")
        self.class_weights = torch.as_tensor(class_weights, dtype=torch.float32)
        self.pos_weight = float(pos_weight)
        self.cluster_indices = torch.tensor(CLUSTER_INDICES)
        self.label_loss = label_loss
        self.concentration = float(concentration)

    def per_sample(
        self,
        cluster_logit: torch.Tensor,
        class_logits: torch.Tensor,
        labels5: torch.Tensor,
        counts: torch.Tensor | None = None,
    ) -> torch.Tensor:
        is_cluster = torch.isin(labels5, self.cluster_indices)
        if self.label_loss == "dirichlet_multinomial":
            if counts is None:
                raise ValueError("the Dirichlet-multinomial loss needs vote counts")
            counts = counts.to(class_logits.dtype)
            cluster_votes = counts[:, list(CLUSTER_INDICES)].sum(dim=1)
            binary = beta_binomial_nll(
                cluster_logit, cluster_votes, counts.sum(dim=1), self.concentration
            )
            classes = dirichlet_multinomial_nll(class_logits, counts, self.concentration)
        else:
            target = is_cluster.to(cluster_logit.dtype)
            binary = F.binary_cross_entropy_with_logits(cluster_logit, target, reduction="none")
            classes = F.cross_entropy(class_logits, labels5, reduction="none")
        if self.pos_weight != 1.0:
            binary = torch.where(is_cluster, binary * self.pos_weight, binary)
        return binary + self.class_weights[labels5] * classes

    def __call__(
        self,
        cluster_logit: torch.Tensor,
        class_logits: torch.Tensor,
        labels5: torch.Tensor,
        weights: torch.Tensor,
        counts: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Sample-weighted mean loss over the batch."""
        loss = self.per_sample(cluster_logit, class_logits, labels5, counts)
        return (weights * loss).sum() / weights.sum().clamp_min(1e-12)
