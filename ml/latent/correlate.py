"""Spearman rank correlation of latent axes with per-subject properties (redshift, morphology, ...).

Spearman's rho is Pearson's correlation of the ranks (ties take their mean rank), so it measures any
monotonic relation and is unmoved by a property's units or long tails. Rows where the property is
missing (NaN) are left out pair by pair; the p-value is the two-sided t approximation
t = rho sqrt((n - 2) / (1 - rho^2)) with n - 2 degrees of freedom (scipy.stats.spearmanr's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Fewer pairs than this say nothing: no rho is reported.
MIN_PAIRS = 10


@dataclass(frozen=True)
class Correlation:
    rho: float | None
    p_value: float | None
    n: int


def spearman(axis: np.ndarray, values: np.ndarray) -> Correlation:
    """Spearman's rho of ``axis`` with ``values`` over the rows where both are finite."""
    from scipy.stats import rankdata, t

    a = np.asarray(axis, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(v)
    n = int(keep.sum())
    if n < MIN_PAIRS:
        return Correlation(None, None, n)
    ra, rv = rankdata(a[keep]), rankdata(v[keep])
    if ra.std() == 0 or rv.std() == 0:  # a constant: no ordering to correlate
        return Correlation(None, None, n)
    rho = float(np.corrcoef(ra, rv)[0, 1])
    rho = max(-1.0, min(1.0, rho))
    if abs(rho) >= 1.0:
        return Correlation(rho, 0.0, n)
    stat = rho * np.sqrt((n - 2) / (1.0 - rho * rho))
    return Correlation(rho, float(2.0 * t.sf(abs(stat), n - 2)), n)


def correlation_table(
    axes: np.ndarray, properties: dict[str, np.ndarray]
) -> dict[str, list[Correlation]]:
    """Per property: Spearman of each column of ``axes`` (N, A) with it."""
    return {
        name: [spearman(axes[:, j], values) for j in range(axes.shape[1])]
        for name, values in properties.items()
    }
