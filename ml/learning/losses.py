"""The two-head loss: BCE on cluster-vs-not plus cross-entropy on the five classes.

Per-sample weights (e.g. how strongly the volunteers agreed) scale each image's contribution;
class weights counter imbalance. By default only the 5-class term is class-weighted: re-weighting
the binary term would shift the cluster probability's prior, which temperature scaling (a single
scale, no offset) cannot undo, so the calibrated probability would be biased.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ml.learning.labels import CLUSTER_INDICES, N_CLASSES


def balanced_class_weights(labels5: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """n / (k * count_c) for the k classes present, 0 for absent ones; the mean weight per sample is 1."""
    counts = np.bincount(labels5, minlength=n_classes).astype(np.float64)
    present = counts > 0
    weights = np.zeros(n_classes)
    weights[present] = labels5.size / (present.sum() * counts[present])
    return weights


class ClusterLoss:
    """Per-sample loss of (cluster logit, class logits) against 5-class labels."""

    def __init__(self, class_weights: np.ndarray, pos_weight: float = 1.0) -> None:
        self.class_weights = torch.as_tensor(class_weights, dtype=torch.float32)
        self.pos_weight = float(pos_weight)
        self.cluster_indices = torch.tensor(CLUSTER_INDICES)

    def per_sample(
        self, cluster_logit: torch.Tensor, class_logits: torch.Tensor, labels5: torch.Tensor
    ) -> torch.Tensor:
        is_cluster = torch.isin(labels5, self.cluster_indices)
        target = is_cluster.to(cluster_logit.dtype)
        bce = F.binary_cross_entropy_with_logits(cluster_logit, target, reduction="none")
        if self.pos_weight != 1.0:
            bce = torch.where(is_cluster, bce * self.pos_weight, bce)
        ce = F.cross_entropy(class_logits, labels5, reduction="none")
        return bce + self.class_weights[labels5] * ce

    def __call__(
        self,
        cluster_logit: torch.Tensor,
        class_logits: torch.Tensor,
        labels5: torch.Tensor,
        weights: torch.Tensor,
    ) -> torch.Tensor:
        """Sample-weighted mean loss over the batch."""
        loss = self.per_sample(cluster_logit, class_logits, labels5)
        return (weights * loss).sum() / weights.sum().clamp_min(1e-12)
