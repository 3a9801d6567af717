"""Temperature scaling, ECE and Brier score."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

from ml.learning import (
    TrainResult,
    apply_temperature,
    brier_score,
    expected_calibration_error,
    fit_temperature,
    reliability_bins,
)
from ml.learning.predict import raw_logits
from tests.ml.learning.toy import toy_images

_probs_labels = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=80, deadline=None)
@given(_probs_labels, st.integers(1, 20))
def test_ece_matches_its_definition(data: tuple[list[float], list[int]], n_bins: int) -> None:
    probs, labels = np.array(data[0]), np.array(data[1])
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = (probs >= lo) & ((probs < hi) if b < n_bins - 1 else (probs <= 1.0))
        if inside.any():
            total += inside.sum() * abs(probs[inside].mean() - labels[inside].mean())
    ece = expected_calibration_error(probs, labels, n_bins)
    assert ece == pytest.approx(total / probs.size, abs=1e-12)
    assert 0.0 <= ece <= 1.0
    assert 0.0 <= brier_score(probs, labels) <= 1.0
    assert reliability_bins(probs, labels, n_bins).counts.sum() == probs.size


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 50), st.integers(0, 50))
def test_a_constant_forecast_of_the_base_rate_has_zero_ece(n: int, k: int) -> None:
    k = min(k, n)
    labels = np.r_[np.ones(k), np.zeros(n - k)]
    assert expected_calibration_error(np.full(n, k / n), labels) == pytest.approx(0.0, abs=1e-12)


def test_brier_extremes() -> None:
    labels = np.array([0, 1, 1, 0])
    assert brier_score(labels.astype(float), labels) == 0.0
    assert brier_score(1.0 - labels, labels) == 1.0


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
