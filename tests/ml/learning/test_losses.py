"""The label losses: the Dirichlet- and Beta-multinomial against hand computations, cross-entropy and gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ml.learning import TrainConfig, train
from ml.learning.losses import (
    ClusterLoss,
    beta_binomial_nll,
    dirichlet_multinomial_nll,
    one_hot_counts,
)
from tests.ml.learning.toy import tiny_config, toy_images


def test_dirichlet_multinomial_matches_a_hand_computation() -> None:
    # Three classes, logits giving p = (1/2, 1/4, 1/4), concentration 4: alpha = (2, 1, 1); votes (2, 1, 0).
    logits = torch.log(torch.tensor([[0.5, 0.25, 0.25]], dtype=torch.float64))
    counts = torch.tensor([[2.0, 1.0, 0.0]], dtype=torch.float64)
    # P = G(4)/G(7) * G(4)/G(2) * G(2)/G(1) * G(1)/G(1) = 6/720 * 6 * 1 = 1/20 (less the coefficient 3).
    expected = -math.log(
        math.gamma(4) / math.gamma(7) * math.gamma(4) / math.gamma(2) * math.gamma(2)
    )
    assert expected == pytest.approx(math.log(20.0))
    got = dirichlet_multinomial_nll(logits, counts, 4.0)
    assert float(got[0]) == pytest.approx(expected, rel=1e-12)


def test_one_vote_is_the_cross_entropy_whatever_the_concentration() -> None:
    torch.manual_seed(0)
    logits = torch.randn(6, 5, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 3, 4, 2])
    counts = F.one_hot(labels, 5).to(torch.float64)
    ce = F.cross_entropy(logits, labels, reduction="none")
    for concentration in (0.3, 1.0, 10.0, 1e4):
        dm = dirichlet_multinomial_nll(logits, counts, concentration)
        assert torch.allclose(dm, ce, rtol=1e-10, atol=1e-10)
    logit = torch.tensor([1.5, -0.7], dtype=torch.float64)
    bce = F.binary_cross_entropy_with_logits(
        logit, torch.tensor([1.0, 0.0], dtype=torch.float64), reduction="none"
    )
    bb = beta_binomial_nll(
        logit,
        torch.tensor([1.0, 0.0], dtype=torch.float64),
        torch.ones(2, dtype=torch.float64),
        7.0,
    )
    assert torch.allclose(bb, bce, rtol=1e-10)


def test_large_concentration_tends_to_counts_times_the_soft_cross_entropy() -> None:
    torch.manual_seed(1)
    logits = torch.randn(4, 5, dtype=torch.float64)
    counts = torch.tensor(
        [[12.0, 2, 1, 0, 0], [0, 0, 15, 0, 0], [3.3, 0.2, 0, 1.5, 0], [1, 1, 1, 1, 1]],
        dtype=torch.float64,
    )
    limit = -(counts * torch.log_softmax(logits, dim=1)).sum(dim=1)
    far = dirichlet_multinomial_nll(logits, counts, 1e7)
    near = dirichlet_multinomial_nll(logits, counts, 10.0)
    assert torch.allclose(far, limit, rtol=1e-5)
    assert not torch.allclose(near, limit, rtol=1e-2)


def test_over_dispersion_makes_extra_votes_count_for_less() -> None:
    """With a small concentration, 15 unanimous votes are worth far less than 15 times one vote."""
    logits = torch.log(torch.tensor([[0.3, 0.7]], dtype=torch.float64))
    one = float(dirichlet_multinomial_nll(logits, torch.tensor([[1.0, 0.0]]).double(), 2.0)[0])
    many = float(dirichlet_multinomial_nll(logits, torch.tensor([[15.0, 0.0]]).double(), 2.0)[0])
    assert one < many < 5 * one
    many_iid = float(
        dirichlet_multinomial_nll(logits, torch.tensor([[15.0, 0.0]]).double(), 1e7)[0]
    )
    assert many_iid == pytest.approx(15 * one, rel=1e-4)


def test_gradients_are_right_and_point_to_the_voted_classes() -> None:
    torch.manual_seed(2)
    logits = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    counts = torch.tensor(
        [[4.0, 1, 0, 0, 0], [0, 0, 0.5, 2.5, 0], [0, 0, 0, 0, 1]], dtype=torch.float64
    )
    assert torch.autograd.gradcheck(
        lambda x: dirichlet_multinomial_nll(x, counts, 3.0), (logits,), eps=1e-6, atol=1e-6
    )
    dirichlet_multinomial_nll(logits, counts, 3.0).sum().backward()
    assert logits.grad is not None
    # Descending the loss raises each sample's most-voted class's logit relative to the mean.
    step = -logits.grad
    top = counts.argmax(dim=1)
    assert (step[torch.arange(3), top] > step.mean(dim=1)).all()
    # Logits already at the vote shares are a stationary point when every vote is independent.
    shares = torch.log(torch.tensor([[0.6, 0.3, 0.1]], dtype=torch.float64)).requires_grad_(True)
    dirichlet_multinomial_nll(
        shares, torch.tensor([[6.0, 3.0, 1.0]]).double(), 1e8
    ).sum().backward()
    assert shares.grad is not None
    assert torch.allclose(shares.grad, torch.zeros_like(shares.grad), atol=1e-5)


def test_cluster_loss_with_one_hot_counts_is_the_cross_entropy_loss() -> None:
    torch.manual_seed(3)
    labels = torch.tensor([0, 1, 2, 3, 4, 1])
    logit, classes = torch.randn(6), torch.randn(6, 5)
    weights = np.array([1.0, 2.0, 0.5, 1.0, 1.0, 3.0])
    ce = ClusterLoss(weights)
    dm = ClusterLoss(weights, label_loss="dirichlet_multinomial", concentration=5.0)
    counts = torch.from_numpy(one_hot_counts(labels.numpy()))
    assert torch.allclose(
        dm.per_sample(logit, classes, labels, counts),
        ce.per_sample(logit, classes, labels),
        atol=1e-5,
    )
    with pytest.raises(ValueError, match="counts"):
        dm.per_sample(logit, classes, labels)
    with pytest.raises(ValueError, match="label_loss"):
        ClusterLoss(weights, label_loss="focal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="concentration"):
        ClusterLoss(weights, concentration=0.0)


def test_one_hot_counts_put_each_rows_votes_on_its_label() -> None:
    counts = one_hot_counts(np.array([2, 0]), np.array([7, 0]))
    assert counts.tolist() == [[0, 0, 7, 0, 0], [1, 0, 0, 0, 0]]


def test_training_on_vote_counts_learns_and_checks_its_input() -> None:
    images, labels = toy_images(120, seed=4)
    rng = np.random.default_rng(0)
    counts = one_hot_counts(labels, rng.integers(1, 15, labels.size)).astype(np.float32)
    counts += rng.random(counts.shape).astype(np.float32) * 0.5  # some disagreement
    config = tiny_config(max_epochs=4, label_loss="dirichlet_multinomial")
    result = train(images, labels, counts=counts, config=config)
    assert result.curve[-1]["train_loss"] < result.curve[0]["train_loss"]
    assert result.val_metrics["auc"] > 0.8
    with pytest.raises(ValueError, match="counts"):
        train(images, labels, counts=counts[:, :3], config=config)
    with pytest.raises(ValueError, match="counts"):
        train(images, labels, counts=np.zeros_like(counts), config=config)
    with pytest.raises(ValueError, match="label_loss"):
        TrainConfig(label_loss="hinge")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="label_concentration"):
        TrainConfig(label_concentration=-1.0)


def test_without_counts_the_default_loss_trains_as_the_cross_entropy() -> None:
    images, labels = toy_images(64, seed=5)
    assert TrainConfig().label_loss == "dirichlet_multinomial"
    dm = train(images, labels, config=tiny_config(max_epochs=1))
    ce = train(images, labels, config=tiny_config(max_epochs=1, label_loss="cross_entropy"))
    assert dm.curve[0]["train_loss"] == pytest.approx(ce.curve[0]["train_loss"], rel=1e-3)
    assert dm.curve[0]["val_loss"] == pytest.approx(ce.curve[0]["val_loss"], rel=1e-3)
