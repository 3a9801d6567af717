"""Temperature scaling: it recovers a known over-confidence and never changes the ranking."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from scipy.special import expit

from ml.learning import TrainResult, apply_temperature, fit_temperature
from ml.learning.predict import raw_logits
from ml.metrics import expected_calibration_error
from tests.ml.learning.toy import toy_images


def test_temperature_recovers_a_known_over_confidence() -> None:
    """Labels drawn from sigmoid(z), logits reported as 3z: the fitted T is about 3."""
    rng = np.random.default_rng(0)
    z = rng.normal(0.0, 2.0, 20_000)
    labels = (rng.random(z.size) < expit(z)).astype(float)
    over_confident = 3.0 * z
    temperature = fit_temperature(over_confident, labels)
    assert temperature == pytest.approx(3.0, rel=0.1)
    before = expected_calibration_error(apply_temperature(over_confident, 1.0), labels)
    after = expected_calibration_error(apply_temperature(over_confident, temperature), labels)
    assert after < before / 3


def test_calibration_undoes_a_deliberately_over_confident_model(trained: TrainResult) -> None:
    """Outcomes drawn from the model's own probabilities, then its cluster head scaled x4."""
    images, _ = toy_images(1000, seed=9)
    logit, _ = raw_logits(trained.model, torch.from_numpy(images))
    outcomes = (np.random.default_rng(0).random(logit.size) < expit(logit)).astype(float)
    over_confident = copy.deepcopy(trained.model)
    with torch.no_grad():
        over_confident.cluster_head.weight.mul_(4.0)
        over_confident.cluster_head.bias.mul_(4.0)
    scaled, _ = raw_logits(over_confident, torch.from_numpy(images))
    assert np.allclose(scaled, 4.0 * logit, rtol=1e-4, atol=1e-4)
    # The temperature undoes the scaling exactly: NLL(z * 4 / T') is NLL(z / T) at T' = 4T.
    assert fit_temperature(scaled, outcomes) == pytest.approx(
        4.0 * fit_temperature(logit, outcomes), rel=1e-3
    )
    temperature = fit_temperature(scaled, outcomes)
    raw_ece = expected_calibration_error(apply_temperature(scaled, 1.0), outcomes)
    fitted_ece = expected_calibration_error(apply_temperature(scaled, temperature), outcomes)
    assert fitted_ece < raw_ece / 2


def test_temperature_is_bounded_when_data_separate_perfectly() -> None:
    logits = np.array([-2.0, -1.0, 1.0, 2.0])
    assert fit_temperature(logits, np.array([0, 0, 1, 1])) == pytest.approx(0.05, rel=1e-3)


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        fit_temperature(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        expected_calibration_error(np.array([1.5]), np.array([1]))
    with pytest.raises(ValueError, match="positive"):
        apply_temperature(np.zeros(2), 0.0)
