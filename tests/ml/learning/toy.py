"""Tiny synthetic cutouts for fast CNN tests: five classes a small network separates easily.

Not physics (the simulator is for that): each class has a distinct shape, so that a few epochs on
a few hundred 16x16 images are enough to see learning, and the tests stay well under a second each.
"""

from __future__ import annotations

import numpy as np

from ml.learning import ModelConfig, TrainConfig
from ml.render import CNN_CHANNELS

XRAY, CENTRE, COVERAGE, OPTICAL, PRESENT = (
    CNN_CHANNELS.index(name)
    for name in ("xray", "xray_centre", "xray_coverage", "optical", "optical_present")
)
N_CHANNELS = len(CNN_CHANNELS)

SIZE = 16
TINY = ModelConfig(input_size=SIZE, widths=(4, 8, 8, 8), hidden=8, dropout=0.2)


def toy_images(n: int, seed: int, size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, C, size, size) float32 in [0, 1], labels5 (n,)) with classes in turn.

    Channels as ``ml.render.CNN_CHANNELS``: X-ray, its central half at twice the sampling, X-ray
    coverage (all 1), optical, optical present.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 5
    rng.shuffle(labels)
    rows, cols = np.indices((size, size)) - (size - 1) / 2.0
    r2 = rows**2 + cols**2
    images = np.zeros((n, N_CHANNELS, size, size), np.float32)
    images[:, PRESENT] = 1.0
    images[:, COVERAGE] = 1.0
    for i, label in enumerate(labels):
        xray, optical = images[i, XRAY], images[i, OPTICAL]
        if label == 0:  # wide X-ray blob with optical galaxies
            xray += np.exp(-r2 / (2 * 3.0**2))
            optical += (rng.random((size, size)) < 0.08) * 0.8
        elif label == 1:  # compact faint X-ray blob, empty optical
            xray += 0.6 * np.exp(-r2 / (2 * 1.5**2))
        elif label == 2:  # bright optical blob, faint X-ray
            optical += np.exp(-r2 / (2 * 2.5**2))
            xray += 0.2 * np.exp(-r2 / (2 * 1.0**2))
        elif label == 3:  # a point: one bright central pixel
            xray[size // 2, size // 2] += 1.0
        else:  # a streak along a random axis
            if rng.random() < 0.5:
                xray[size // 2 + int(rng.integers(-3, 4))] += 0.7
            else:
                xray[:, size // 2 + int(rng.integers(-3, 4))] += 0.7
        images[i, [XRAY, OPTICAL]] += 0.1 * rng.random((2, size, size)).astype(np.float32)
        quarter = size // 4
        images[i, CENTRE] = np.kron(
            xray[quarter : size - quarter, quarter : size - quarter], np.ones((2, 2))
        )
    np.clip(images, 0.0, 1.0, out=images)
    return images, labels.astype(np.int64)


def tiny_config(**overrides: object) -> TrainConfig:
    """A training recipe sized for the toy set: small batches, few epochs, one thread."""
    values: dict[str, object] = {
        "model": TINY,
        "max_epochs": 4,
        "patience": 10,
        "batch_size": 32,
        "learning_rate": 1e-2,
        "val_fraction": 0.25,
        "num_threads": 1,
    }
    values.update(overrides)
    return TrainConfig(**values)  # type: ignore[arg-type]
