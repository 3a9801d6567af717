"""PCA by singular value decomposition: the latent map's 2-D view and the axes that are correlated."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Projection:
    coords: np.ndarray  # (N, n_components) the rows on the principal axes, largest variance first
    components: np.ndarray  # (n_components, D) unit axes
    mean: np.ndarray  # (D,) subtracted before projecting
    explained: np.ndarray  # (n_components,) share of the total variance on each axis

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        return np.asarray((np.asarray(vectors, np.float64) - self.mean) @ self.components.T)


def pca(vectors: np.ndarray, n_components: int = 8) -> Projection:
    """Principal axes of ``vectors`` (N, D). Signs are fixed (largest loading positive) so the map of
    the same embeddings always has the same orientation."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"PCA needs at least two rows of a 2-D array, got shape {x.shape}")
    n_components = max(1, min(n_components, *x.shape))
    mean = x.mean(axis=0)
    centred = x - mean
    # Economy SVD: (N, D) with D ~ 64 costs O(N D^2), well under a second at 100,000 rows.
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    components = vt[:n_components]
    signs = np.sign(components[np.arange(n_components), np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    variance = singular**2
    total = variance.sum()
    explained = variance[:n_components] / total if total > 0 else np.zeros(n_components)
    return Projection(
        coords=centred @ components.T, components=components, mean=mean, explained=explained
    )
