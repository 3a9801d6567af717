"""Anomaly scores in the latent space: an isolation forest (Liu, Ting & Zhou 2008).

An isolation forest isolates each row by random axis-aligned cuts; rows that few cuts isolate lie
where the embeddings are sparse, unlike most subjects. The score is scikit-learn's ``score_samples``
negated, so larger means more anomalous (about 0.4 typical, towards 1 for clear outliers).
"""

from __future__ import annotations

import numpy as np


def anomaly_scores(vectors: np.ndarray, *, seed: int = 0, n_estimators: int = 200) -> np.ndarray:
    """(N,) float32 anomaly score per row of ``vectors`` (N, D); larger is stranger."""
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"anomaly scores need at least two rows of a 2-D array, got {x.shape}")
    # Imported here: scikit-learn is heavy and only the worker that builds a latent space needs it.
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=n_estimators, random_state=seed, max_samples="auto")
    forest.fit(x)
    return np.asarray(-forest.score_samples(x), dtype=np.float32)
