"""The training loop: learning, determinism, early stopping, budgets, progress and cancellation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from ml.learning import TrainingCancelled, TrainProgress, TrainResult, predict, train
from ml.learning.augment import N_DIHEDRAL, dihedral
from ml.learning.losses import ClusterLoss, balanced_class_weights
from tests.ml.learning.toy import tiny_config, toy_images


def _curve_without_times(result: TrainResult) -> list[dict[str, float]]:
    return [{k: v for k, v in row.items() if k != "seconds"} for row in result.curve]


def test_loss_falls_and_the_toy_classes_are_learnt(trained: TrainResult) -> None:
    curve = trained.curve
    assert curve[-1]["train_loss"] < 0.7 * curve[0]["train_loss"]
    assert min(row["val_loss"] for row in curve) < curve[0]["val_loss"]
    assert trained.val_metrics["auc"] > 0.9
    assert trained.val_metrics["accuracy"] > 0.6  # chance is 0.2
    assert trained.best_epoch == 1 + int(np.argmin([row["val_loss"] for row in curve]))


def test_split_is_disjoint_and_reported(trained: TrainResult) -> None:
    both = np.concatenate([trained.train_indices, trained.val_indices])
    assert np.array_equal(np.sort(both), np.arange(240))
    assert trained.val_metrics["n_val"] == trained.val_indices.size == 60


def test_augmented_training_gives_a_nearly_invariant_model(
    trained: TrainResult, toy_data: tuple[np.ndarray, np.ndarray]
) -> None:
    images = torch.from_numpy(toy_data[0][:60])
    probs = np.stack(
        [
            predict(trained.model, dihedral(images, k).numpy()).cluster_prob
            for k in range(N_DIHEDRAL)
        ]
    )
    spread = probs.max(axis=0) - probs.min(axis=0)
    assert spread.mean() < 0.05


def test_same_seed_same_weights_and_curve() -> None:
    images, labels = toy_images(96, seed=2)
    config = tiny_config(max_epochs=2)
    first, second = train(images, labels, config=config), train(images, labels, config=config)
    assert _curve_without_times(first) == _curve_without_times(second)
    for (name, a), b in zip(
        first.model.state_dict().items(), second.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), name
    other = train(images, labels, config=tiny_config(max_epochs=2, seed=1))
    assert _curve_without_times(other) != _curve_without_times(first)


def test_training_leaves_torch_settings_as_it_found_them() -> None:
    images, labels = toy_images(40, seed=3)
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    state = torch.random.get_rng_state()
    train(images, labels, config=tiny_config(max_epochs=1, num_threads=1))
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic
    assert torch.equal(torch.random.get_rng_state(), state)


def test_early_stopping_stops_after_patience_epochs_without_gain() -> None:
    images, labels = toy_images(60, seed=4)
    # No change can beat a min_delta this large, so the first epoch stays the best.
    result = train(images, labels, config=tiny_config(max_epochs=10, patience=2, min_delta=1e9))
    assert result.stop_reason == "early_stopping"
    assert len(result.curve) == 3
    assert result.best_epoch == 1


def test_a_time_budget_stops_between_epochs() -> None:
    images, labels = toy_images(60, seed=4)
    result = train(images, labels, config=tiny_config(max_epochs=10, max_seconds=0.0))
    assert result.stop_reason == "time_budget"
    assert len(result.curve) == 1


def test_progress_after_every_batch_and_every_epoch() -> None:
    images, labels = toy_images(100, seed=5)
    reports: list[TrainProgress] = []
    train(images, labels, config=tiny_config(max_epochs=2), progress=reports.append)
    n_batches = reports[0].n_batches
    assert n_batches == 3  # 75 training images in batches of 32
    assert [r.kind for r in reports] == (["batch"] * n_batches + ["epoch"]) * 2
    assert reports[0].val_loss is None
    assert reports[-1].val_loss is not None
    assert reports[-1].val_auc is not None
    assert reports[-1].val_accuracy is not None
    assert reports[-1].fraction_done == 1.0
    assert reports[-1].eta_s == 0.0
    assert all(a.elapsed_s <= b.elapsed_s for a, b in itertools.pairwise(reports))
    assert all(r.images_per_s > 0 for r in reports)
    assert set(reports[-1].to_json()) >= {"epoch", "batch", "eta_s", "val_auc", "fraction_done"}


def test_should_stop_cancels_before_the_next_batch() -> None:
    images, labels = toy_images(100, seed=5)
    polls: list[int] = []
    batches: list[TrainProgress] = []

    def should_stop() -> bool:
        polls.append(1)
        return len(polls) > 4

    with pytest.raises(TrainingCancelled) as cancelled:
        train(
            images,
            labels,
            config=tiny_config(max_epochs=5),
            progress=batches.append,
            should_stop=should_stop,
        )
    # Three batches of epoch 1, one of epoch 2, then the fifth poll says stop.
    assert (cancelled.value.epoch, cancelled.value.batch) == (2, 1)
    assert sum(r.kind == "batch" for r in batches) == 4


def test_malformed_inputs_are_refused() -> None:
    images, labels = toy_images(20, seed=6)
    config = tiny_config(max_epochs=1)
    with pytest.raises(ValueError, match="labels"):
        train(images, labels[:-1], config=config)
    with pytest.raises(ValueError, match=r"0\.\.4"):
        train(images, np.full(20, 5), config=config)
    with pytest.raises(ValueError, match="weights"):
        train(images, labels, weights=-np.ones(20), config=config)
    with pytest.raises(ValueError, match="shape"):
        train(images[:, :, :8, :8], labels, config=config)


def test_sample_weights_scale_each_images_loss() -> None:
    loss = ClusterLoss(np.ones(5))
    logit = torch.tensor([2.0, -1.0, 0.5])
    classes = torch.randn(3, 5)
    labels = torch.tensor([0, 3, 1])
    per_sample = loss.per_sample(logit, classes, labels)
    weighted = loss(logit, classes, labels, torch.tensor([1.0, 0.0, 3.0]))
    assert float(weighted) == pytest.approx(float(per_sample[0] + 3 * per_sample[2]) / 4)


def test_balanced_class_weights_even_out_class_totals() -> None:
    labels = np.array([0, 0, 0, 0, 1, 2, 2, 3, 3, 3])
    weights = balanced_class_weights(labels)
    totals = np.bincount(labels, weights=weights[labels], minlength=5)
    assert np.allclose(totals[:4], totals[0])
    assert weights[4] == 0.0  # absent class
    assert weights[labels].mean() == pytest.approx(1.0)
