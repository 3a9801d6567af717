"""The Hunt's five classes as the CNN numbers them, and the cluster-vs-not target derived from them."""

from __future__ import annotations

import numpy as np

# Index order of the 5-class head. The same names, in the same order, as the simulator and the
# volunteers' workflow; a saved model records them so a reordering can't go unnoticed.
HUNT_CLASSES: tuple[str, ...] = ("cluster_low_z", "cluster_high_z", "galaxy", "point", "other")
N_CLASSES = len(HUNT_CLASSES)
CLUSTER_INDICES: tuple[int, ...] = (0, 1)

# How a volunteer who gets a candidate wrong tends to answer instead (rows: truth, columns:
# answer; relative weights, diagonal unused). Faint distant clusters pass for point sources or
# artefacts; nearby clusters and galaxies are confused with each other.
CONFUSION_AFFINITY = np.array(
    [
        [0.0, 3.0, 3.0, 1.0, 1.0],  # cluster_low_z
        [3.0, 0.0, 1.0, 4.0, 2.0],  # cluster_high_z
        [3.0, 1.0, 0.0, 2.0, 1.0],  # galaxy
        [1.0, 3.0, 2.0, 0.0, 2.0],  # point
        [1.0, 2.0, 1.0, 3.0, 0.0],  # other
    ]
)


def check_labels(labels5: np.ndarray) -> np.ndarray:
    """Labels as an int64 vector, refusing anything outside 0..4 (a silent -1 would train as 'other')."""
    labels = np.asarray(labels5)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got {labels.dtype}")
    labels = labels.astype(np.int64, copy=False)
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise ValueError(
            f"labels must lie in 0..{N_CLASSES - 1}, got {labels.min()}..{labels.max()}"
        )
    return labels


def cluster_targets(labels5: np.ndarray) -> np.ndarray:
    """1.0 for cluster_low_z and cluster_high_z, 0.0 otherwise (float32, for the binary head)."""
    return np.isin(check_labels(labels5), CLUSTER_INDICES).astype(np.float32)


def stratified_split(
    labels5: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(keep, held_out) index arrays, holding out ``fraction`` of each class (sorted indices).

    Each class with at least two members gives at least one to each side, so a rare class is
    both learnt and checked.
    """
    labels = check_labels(labels5)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie strictly between 0 and 1, got {fraction}")
    held: list[np.ndarray] = []
    for cls in range(N_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n = members.size
        n_held = round(n * fraction)
        if n >= 2:
            n_held = min(max(n_held, 1), n - 1)
        held.append(members[:n_held])
    held_out = np.sort(np.concatenate(held)).astype(np.int64)
    keep = np.setdiff1d(np.arange(labels.size), held_out)
    if keep.size == 0 or held_out.size == 0:
        raise ValueError(f"{labels.size} labels are too few to hold out {fraction:.0%} of them")
    return keep, held_out
