"""Inference: calibrated probability, TTA invariance, MC-dropout uncertainty, batching."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import expit

from ml.learning import ClusterNet, ModelConfig, TrainResult, predict
from ml.learning.augment import N_DIHEDRAL, dihedral
from tests.ml.learning.toy import N_CHANNELS, TINY, toy_images


def test_tta_scores_are_invariant_under_every_flip_and_rotation() -> None:
    """Exact by construction (an average over the whole group), even for random weights."""
    torch.manual_seed(0)
    model = ClusterNet(TINY)
    images = torch.rand(6, N_CHANNELS, 16, 16)
    base = predict(model, images.numpy(), tta=True)
    for k in range(1, N_DIHEDRAL):
        moved = predict(model, dihedral(images, k).numpy(), tta=True)
        assert np.allclose(moved.cluster_prob, base.cluster_prob, atol=1e-6)
        assert np.allclose(moved.class_probs, base.class_probs, atol=1e-6)
    plain = [predict(model, dihedral(images, k).numpy()).cluster_prob for k in range(N_DIHEDRAL)]
    assert np.ptp(np.stack(plain), axis=0).max() > 1e-4  # without TTA the scores do move


def test_probability_is_the_logit_over_the_temperature(trained: TrainResult) -> None:
    images, _ = toy_images(30, seed=7)
    default = predict(trained.model, images)
    assert default.temperature == trained.model.temperature
    assert np.allclose(default.cluster_prob, expit(default.cluster_logit / default.temperature))
    hot = predict(trained.model, images, temperature=2.5)
    assert np.allclose(hot.cluster_prob, expit(hot.cluster_logit / 2.5))
    assert np.allclose(default.class_probs.sum(axis=1), 1.0)
    assert ((default.entropy >= 0) & (default.entropy <= 1)).all()


def test_mc_dropout_spread_is_seeded_and_leaves_the_probability_alone(
    trained: TrainResult,
) -> None:
    images, _ = toy_images(30, seed=7)
    plain = predict(trained.model, images)
    sampled = predict(trained.model, images, mc_samples=16, seed=1)
    assert plain.mc_std is None
    assert np.array_equal(plain.uncertainty, plain.entropy)
    assert sampled.mc_std is not None
    assert np.array_equal(sampled.uncertainty, sampled.mc_std)
    assert (sampled.mc_std >= 0).all()
    assert sampled.mc_std.max() > 0
    assert np.array_equal(sampled.cluster_prob, plain.cluster_prob)
    again = predict(trained.model, images, mc_samples=16, seed=1)
    assert again.mc_std is not None
    assert np.array_equal(again.mc_std, sampled.mc_std)
    assert not trained.model.training  # dropout switched back off


def test_without_dropout_mc_samples_agree() -> None:
    model = ClusterNet(ModelConfig(input_size=16, widths=(4, 4, 4, 4), hidden=4, dropout=0.0))
    result = predict(
        model,
        np.random.default_rng(0).random((5, N_CHANNELS, 16, 16), dtype=np.float32),
        mc_samples=5,
    )
    assert result.mc_std is not None
    assert np.allclose(result.mc_std, 0.0)


def test_batch_size_does_not_change_results(trained: TrainResult) -> None:
    images, _ = toy_images(37, seed=8)
    big = predict(trained.model, images, batch_size=512, tta=True)
    small = predict(trained.model, images, batch_size=5, tta=True)
    assert np.allclose(big.cluster_prob, small.cluster_prob, atol=1e-6)
    assert np.allclose(big.class_probs, small.class_probs, atol=1e-6)


def test_an_empty_batch_gives_empty_predictions(trained: TrainResult) -> None:
    result = predict(trained.model, np.zeros((0, N_CHANNELS, 16, 16), np.float32), mc_samples=3)
    assert result.cluster_prob.shape == (0,)
    assert result.class_probs.shape == (0, 5)


def test_invalid_arguments_are_refused(trained: TrainResult) -> None:
    images = np.zeros((1, N_CHANNELS, 16, 16), np.float32)
    with pytest.raises(ValueError, match="temperature"):
        predict(trained.model, images, temperature=0.0)
    with pytest.raises(ValueError, match="mc_samples"):
        predict(trained.model, images, mc_samples=-1)
