"""A tiny model trained once per session on the toy set, shared by read-only tests."""

from __future__ import annotations

import numpy as np
import pytest

from ml.learning import TrainResult, train
from tests.ml.learning.toy import tiny_config, toy_images


@pytest.fixture(scope="session")
def toy_data() -> tuple[np.ndarray, np.ndarray]:
    return toy_images(240, seed=1)


@pytest.fixture(scope="session")
def trained(toy_data: tuple[np.ndarray, np.ndarray]) -> TrainResult:
    """Trained with augmentation for a few epochs; tests must not modify the model."""
    images, labels = toy_data
    return train(images, labels, config=tiny_config(max_epochs=8))
