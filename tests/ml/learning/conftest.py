"""A tiny model trained once per session on the toy set, shared by read-only tests; one torch thread."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import torch

from ml.learning import TrainResult, train
from tests.ml.learning.toy import tiny_config, toy_images


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Tiny tensors gain nothing from two threads, and on a busy machine OpenMP's spin-waiting
    makes two threads several times slower than one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def toy_data() -> tuple[np.ndarray, np.ndarray]:
    return toy_images(240, seed=1)


@pytest.fixture(scope="session")
def trained(toy_data: tuple[np.ndarray, np.ndarray]) -> TrainResult:
    """Trained with augmentation for a few epochs; tests must not modify the model."""
    images, labels = toy_data
    return train(images, labels, config=tiny_config(max_epochs=8))
