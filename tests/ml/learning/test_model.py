"""The network: shapes, config round trip, parameter budget, and the optical-presence channel."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ml.cnn import drop_optical
from ml.learning import ClusterNet, ModelConfig, TrainResult, count_parameters, predict
from ml.learning.labels import HUNT_CLASSES
from ml.render import CNN_CHANNELS
from ml.simulate import CLASS_NAMES
from tests.ml.learning.toy import N_CHANNELS, TINY


def test_two_heads_give_a_cluster_logit_and_five_class_logits() -> None:
    model = ClusterNet(TINY).eval()
    logit, classes = model(torch.rand(7, N_CHANNELS, 16, 16))
    assert logit.shape == (7,)
    assert classes.shape == (7, 5)


def test_default_model_is_small_and_takes_the_render_channels() -> None:
    config = ModelConfig()
    assert config.in_channels == len(CNN_CHANNELS)
    assert config.input_size == 64
    assert 50_000 <= count_parameters(ClusterNet(config)) <= 100_000


def test_class_order_is_the_simulators() -> None:
    assert HUNT_CLASSES == CLASS_NAMES


def test_config_survives_json() -> None:
    config = ModelConfig(input_size=32, widths=(8, 16, 16), hidden=12, dropout=0.1)
    again = ModelConfig.from_json(json.loads(json.dumps(config.to_json())))
    assert again == config


@pytest.mark.parametrize(
    "bad",
    [
        {"widths": ()},
        {"widths": (8, 0)},
        {"dropout": 1.0},
        {"input_size": 8, "widths": (4, 4, 4, 4)},
    ],
)
def test_impossible_configs_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        ModelConfig(**bad)  # type: ignore[arg-type]


def test_unknown_config_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        ModelConfig.from_json({"widths": [4], "kernel": 5})


def test_wrong_input_shape_is_refused_with_the_expected_shape() -> None:
    model = ClusterNet(TINY)
    with pytest.raises(ValueError, match=rf"\(N, {N_CHANNELS}, 16, 16\)"):
        predict(model, np.zeros((2, 2, 16, 16), np.float32))


def test_cutouts_without_optical_are_scored(
    trained: TrainResult, toy_data: tuple[np.ndarray, np.ndarray]
) -> None:
    """Real XMM subjects have no optical band: optical and its presence channel are 0."""
    images = toy_data[0][:40].copy()
    images = drop_optical(images)
    without = predict(trained.model, images)
    with_optical = predict(trained.model, toy_data[0][:40])
    assert np.isfinite(without.cluster_prob).all()
    assert np.allclose(without.class_probs.sum(axis=1), 1.0)
    # The mask channel reaches the network: removing optical changes the logits (modality
    # dropout in training makes the probabilities themselves robust to it).
    assert not np.allclose(without.cluster_logit, with_optical.cluster_logit, atol=1e-3)
