"""Batched inference: calibrated cluster probability, class probabilities and uncertainty.

Two optional extras, both off by default because each multiplies the cost:

* ``tta=True`` averages over the eight flips/rotations of each cutout. The average over a whole
  symmetry group is exactly invariant under that group, so a cutout and its mirror image then get
  the same score (to float rounding).
* ``mc_samples=N`` draws N Monte Carlo dropout samples of the head and reports the spread of the
  calibrated cluster probability as the uncertainty. Dropout lives only in the head, so the conv
  features are computed once and the N samples are cheap. Without it the uncertainty is the
  predictive entropy of the calibrated probability.

The cluster probability itself never depends on ``mc_samples``: it is the deterministic network's
output divided by the temperature that calibration fitted on exactly that output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ml.crowd.acquisition import bald
from ml.learning._runtime import torch_session
from ml.learning.augment import N_DIHEDRAL, dihedral
from ml.learning.model import ClusterNet, check_images


@dataclass(frozen=True, eq=False)
class Predictions:
    cluster_prob: np.ndarray  # (N,) calibrated P(cluster)
    class_probs: np.ndarray  # (N, n_classes) softmax of the 5-class head (not temperature-scaled)
    cluster_logit: np.ndarray  # (N,) raw binary logit before the temperature (TTA mean if tta)
    entropy: np.ndarray  # (N,) binary entropy of cluster_prob in bits, 0 (sure) .. 1 (50/50)
    mc_std: np.ndarray | None  # (N,) std of calibrated P(cluster) over MC-dropout samples
    temperature: float
    # (N,) BALD over the MC-dropout samples, in bits (ml.crowd.acquisition.bald): what a label would teach
    mc_bald: np.ndarray | None = None
    # (N, hidden) penultimate-layer activations (ClusterNet.embed; TTA mean if tta), when asked for
    embeddings: np.ndarray | None = None

    @property
    def uncertainty(self) -> np.ndarray:
        """MC-dropout spread when it was sampled, otherwise the predictive entropy."""
        return self.mc_std if self.mc_std is not None else self.entropy

    @property
    def predicted_class(self) -> np.ndarray:
        return np.asarray(self.class_probs.argmax(axis=1))


def binary_entropy_bits(probs: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0 - 1e-12)
    return np.asarray(-(p * np.log2(p) + (1.0 - p) * np.log2(1.0 - p)))


def _set_dropout(model: nn.Module, active: bool) -> None:
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.train(active)


def raw_logits(
    model: ClusterNet, images: torch.Tensor, batch_size: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """(cluster logits, class logits) of the model in eval mode, in batches, without grad."""
    was_training = model.training
    model.eval()
    binary, classes = [], []
    try:
        with torch.inference_mode():
            for start in range(0, images.shape[0], batch_size):
                batch = images[start : start + batch_size].contiguous(
                    memory_format=torch.channels_last
                )
                logit, class_logits = model(batch)
                binary.append(logit.numpy())
                classes.append(class_logits.numpy())
    finally:
        model.train(was_training)
    n_classes = model.config.n_classes
    if not binary:
        return np.zeros(0, np.float32), np.zeros((0, n_classes), np.float32)
    return np.concatenate(binary), np.concatenate(classes)


def predict(
    model: ClusterNet,
    images: np.ndarray,
    *,
    batch_size: int = 512,
    mc_samples: int = 0,
    temperature: float | None = None,
    tta: bool = False,
    seed: int = 0,
    num_threads: int | None = None,
    embed: bool = False,
) -> Predictions:
    """Score (N, C, S, S) float32 cutouts (``ml.render.cnn_input`` arrays stacked).

    ``temperature`` overrides the model's calibrated one; ``seed`` makes MC dropout repeatable;
    ``num_threads`` sets torch threads for this call only; ``embed=True`` also returns the
    penultimate layer (``ml.latent``), computed from the same conv features in the same pass.
    """
    check_images(images, model.config)
    if mc_samples < 0 or batch_size < 1:
        raise ValueError("mc_samples must be >= 0 and batch_size >= 1")
    t = float(model.temperature if temperature is None else temperature)
    if not t > 0:
        raise ValueError(f"temperature must be positive, got {t}")
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))
    n = x.shape[0]
    transforms = range(N_DIHEDRAL) if tta else range(1)
    cluster_logit = np.zeros(n, np.float32)
    cluster_prob = np.zeros(n, np.float64)
    class_probs = np.zeros((n, model.config.n_classes), np.float64)
    mc_std = np.zeros(n, np.float64) if mc_samples else None
    mc_bald = np.zeros(n, np.float64) if mc_samples else None
    embeddings = np.zeros((n, model.config.hidden), np.float32) if embed else None

    was_training = model.training
    model.eval()
    try:
        with (
            torch_session(threads=num_threads, seed=seed if mc_samples else None),
            torch.inference_mode(),
        ):
            for start in range(0, n, batch_size):
                rows = slice(start, min(start + batch_size, n))
                batch = x[rows]
                features = [
                    model.features(dihedral(batch, k).contiguous(memory_format=torch.channels_last))
                    for k in transforms
                ]
                outputs = [model.heads(f) for f in features]
                logits = torch.stack([o[0] for o in outputs])  # (n_transforms, B)
                cluster_logit[rows] = logits.mean(0).numpy()
                cluster_prob[rows] = torch.sigmoid(logits / t).mean(0).double().numpy()
                softmax = torch.stack([torch.softmax(o[1], dim=1) for o in outputs])
                class_probs[rows] = softmax.mean(0).double().numpy()
                if embeddings is not None:
                    # Dropout is off here (eval mode), so this is the deterministic embedding.
                    embeddings[rows] = (
                        torch.stack([model.embed(f) for f in features]).mean(0).numpy()
                    )
                if mc_std is not None:
                    _set_dropout(model, True)
                    samples = torch.stack(
                        [
                            torch.stack([torch.sigmoid(model.heads(f)[0] / t) for f in features])
                            .mean(0)
                            .double()
                            for _ in range(mc_samples)
                        ]
                    )
                    _set_dropout(model, False)
                    # Population std (ddof 0): defined for a single sample too, where it is 0.
                    mc_std[rows] = samples.std(dim=0, correction=0).numpy()
                    if mc_bald is not None:
                        mc_bald[rows] = bald(samples.numpy())
    finally:
        model.train(was_training)
    return Predictions(
        cluster_prob=cluster_prob,
        class_probs=class_probs,
        cluster_logit=cluster_logit,
        entropy=binary_entropy_bits(cluster_prob),
        mc_std=mc_std,
        temperature=t,
        mc_bald=mc_bald,
        embeddings=embeddings,
    )
