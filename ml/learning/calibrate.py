"""Calibration of the cluster probability: temperature scaling (ECE and Brier are in `ml.metrics`).

A network trained with cross-entropy and early stopping is usually over-confident. Temperature
scaling (Guo et al. 2017) divides the binary logit by one scalar T fitted on held-out data, which
changes confidence but never the ranking (AUC and TPR at a fixed FPR are untouched).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_expit

# T outside this range means the held-out set is degenerate (e.g. perfectly separated), and the
# fit would run to 0 or infinity; the bounds keep the result usable and visible as an extreme.
MIN_TEMPERATURE = 0.05
MAX_TEMPERATURE = 20.0


def _check(probs_or_logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(probs_or_logits, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"values and labels differ in length: {x.size} vs {y.size}")
    if x.size == 0:
        raise ValueError("need at least one value")
    if not np.isfinite(x).all():
        raise ValueError("values must be finite")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    return x, y


def _weights(weights: np.ndarray | None, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != (n,) or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative, one per value, not all zero")
    return w


def binary_nll(
    logits: np.ndarray,
    labels: np.ndarray,
    temperature: float = 1.0,
    weights: np.ndarray | None = None,
) -> float:
    """Mean (weighted) negative log-likelihood of labels under sigmoid(logits / temperature)."""
    z, y = _check(logits, labels)
    w = _weights(weights, z.size)
    scaled = z / temperature
    # log_expit is stable for large |z|, where log(sigmoid(z)) would round to log(0).
    nll = -(y * log_expit(scaled) + (1.0 - y) * log_expit(-scaled))
    return float(np.sum(w * nll) / np.sum(w))


def fit_temperature(
    logits: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """The T minimising the held-out NLL of sigmoid(logits / T), within [0.05, 20].

    The NLL is convex in 1/T (a one-parameter logistic regression without intercept), so a
    bounded 1-D search over 1/T finds the global minimum.
    """
    z, y = _check(logits, labels)
    w = _weights(weights, z.size)
    result = minimize_scalar(
        lambda inv_t: binary_nll(z, y, 1.0 / inv_t, w),
        bounds=(1.0 / MAX_TEMPERATURE, 1.0 / MIN_TEMPERATURE),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(np.clip(1.0 / result.x, MIN_TEMPERATURE, MAX_TEMPERATURE))


def fit_platt(
    logits: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """(scale, offset) minimising the NLL of sigmoid(scale * logit + offset) (Platt 1999).

    Temperature scaling with an offset: for calibrating one domain (a survey the model was not
    trained on), whose prior or background can shift every logit, which a temperature alone
    cannot undo. Ranking is unchanged for a positive scale.
    """
    from scipy.optimize import minimize

    z, y = _check(logits, labels)
    w = _weights(weights, z.size)

    def nll(theta: np.ndarray) -> float:
        scaled = theta[0] * z + theta[1]
        return float(
            np.sum(w * -(y * log_expit(scaled) + (1.0 - y) * log_expit(-scaled))) / w.sum()
        )

    start = np.array([1.0 / fit_temperature(z, y, w), 0.0])
    result = minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9})
    scale = float(np.clip(result.x[0], 1.0 / MAX_TEMPERATURE, 1.0 / MIN_TEMPERATURE))
    return scale, float(result.x[1])


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Calibrated probabilities sigmoid(logits / T)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    return np.asarray(expit(np.asarray(logits, dtype=np.float64) / temperature))
