"""Training data from the survey simulator, and simulated crowd labels, for tests and benchmarks.

Images go through ``ml.render.cnn_input`` (``ml.cnn``), the function behind
``render_candidate(...).cnn``, with each candidate's own pixel scales, as a served subject is
rendered (the viewer arrays and JPEG previews are skipped: the CNN never reads them).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.learning.labels import CONFUSION_AFFINITY, HUNT_CLASSES, N_CLASSES, check_labels
from ml.render import CNN_CHANNELS, PREPROCESSING_VERSION, cnn_input
from ml.simulate import SIMULATOR_VERSION, SimulationParams, simulate_candidate
from ml.simulate.survey import candidate_rng, plan_classes

_CHUNK = 250


def _render_range(
    seed: int,
    start: int,
    classes: Sequence[str],
    cnn_size: int,
    params: SimulationParams,
    drop_optical: np.ndarray,
    with_exposure: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    images = np.empty((len(classes), len(CNN_CHANNELS), cnn_size, cnn_size), np.float32)
    redshift = np.full(len(classes), np.nan)
    settings: list[dict[str, Any]] = []
    rows = zip(classes, drop_optical, with_exposure, strict=True)
    for offset, (cls, drop, exposure) in enumerate(rows):
        cand = simulate_candidate(candidate_rng(seed, start + offset), cls, params)
        optical = None if drop or cand.optical.size == 0 else cand.optical
        images[offset] = cnn_input(
            {"xray": cand.xray, "optical": optical},
            size=cnn_size,
            xray_pixel_arcsec=cand.xray_pixel_arcsec,
            optical_pixel_arcsec=cand.optical_pixel_arcsec,
            exposure=cand.exposure if exposure else None,
        )
        if cand.truth.redshift is not None:
            redshift[offset] = cand.truth.redshift
        settings.append({**cand.settings, "morphology": cand.truth.morphology})
    return images, redshift, settings


def simulated_dataset(
    size: int,
    seed: int,
    cnn_size: int = 64,
    *,
    optical_missing_fraction: float = 0.0,
    params: SimulationParams | None = None,
    workers: int = 1,
    exposure_map_fraction: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """(images (size, 4, S, S) float32, labels5 (size,) int64, meta) for survey ``seed``.

    Candidate ``i`` is the survey's candidate ``i`` (same class and random stream as
    ``simulate_survey``), whatever ``workers`` is. ``optical_missing_fraction`` renders that share
    of candidates (a seeded choice) without their optical image, as for real XMM subjects;
    ``exposure_map_fraction`` renders that share with their exposure map (served subjects have
    none, so the default is 0). ``params`` with a ``domain`` gives a domain-randomised set.
    ``meta`` holds ``classes``, ``redshift`` (NaN for non-clusters), ``optical_present``,
    ``settings`` (per candidate: its drawn settings and morphology), the simulator and
    preprocessing versions and the arguments.
    """
    if size < 1 or cnn_size < 1 or workers < 1:
        raise ValueError("size, cnn_size and workers must be positive")
    if not 0.0 <= optical_missing_fraction <= 1.0:
        raise ValueError("optical_missing_fraction must lie in [0, 1]")
    params = params or SimulationParams()
    classes = plan_classes(size, seed)
    drop = np.random.default_rng([seed, 7]).random(size) < optical_missing_fraction
    expo = np.random.default_rng([seed, 8]).random(size) < exposure_map_fraction
    chunks = [
        (s, classes[s : s + _CHUNK], drop[s : s + _CHUNK], expo[s : s + _CHUNK])
        for s in range(0, size, _CHUNK)
    ]
    if workers == 1 or len(chunks) == 1:
        parts = [_render_range(seed, s, c, cnn_size, params, d, e) for s, c, d, e in chunks]
    else:
        # spawn, not fork: the parent has usually imported torch, whose OpenMP pool a fork
        # can leave deadlocked.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_render_range, seed, s, c, cnn_size, params, d, e)
                for s, c, d, e in chunks
            ]
            parts = [f.result() for f in futures]
    images = np.concatenate([p[0] for p in parts])
    labels = np.array([HUNT_CLASSES.index(c) for c in classes], dtype=np.int64)
    meta: dict[str, Any] = {
        "classes": list(HUNT_CLASSES),
        "redshift": np.concatenate([p[1] for p in parts]),
        "settings": [row for p in parts for row in p[2]],
        "optical_present": images[:, CNN_CHANNELS.index("optical_present"), 0, 0] > 0.5,
        "seed": seed,
        "size": size,
        "cnn_size": cnn_size,
        "optical_missing_fraction": optical_missing_fraction,
        "exposure_map_fraction": exposure_map_fraction,
        "simulator_version": SIMULATOR_VERSION,
        "preprocessing_version": PREPROCESSING_VERSION,
    }
    return images, labels, meta


@dataclass(frozen=True, eq=False)
class VolunteerLabels:
    labels: np.ndarray  # (N,) consensus (plurality) class
    agreement: np.ndarray  # (N,) share of volunteers who gave the consensus class
    votes: np.ndarray  # (N, 5) vote counts per class


def confusion_matrix(accuracy: float | Sequence[float]) -> np.ndarray:
    """A volunteer's answer probabilities: row = truth; ``accuracy`` on the diagonal (one value
    or one per class), the rest spread by :data:`CONFUSION_AFFINITY`."""
    acc = np.broadcast_to(np.asarray(accuracy, dtype=np.float64), (N_CLASSES,))
    if ((acc < 0) | (acc > 1)).any():
        raise ValueError(f"accuracy must lie in [0, 1], got {accuracy}")
    off = CONFUSION_AFFINITY / CONFUSION_AFFINITY.sum(axis=1, keepdims=True)
    matrix: np.ndarray = off * (1.0 - acc)[:, None] + np.diag(acc)
    return matrix


def noisy_volunteer_labels(
    true_labels: np.ndarray,
    rng: np.random.Generator,
    accuracy: float | Sequence[float] = 0.8,
    n_volunteers: int = 5,
    confusion: np.ndarray | None = None,
) -> VolunteerLabels:
    """Consensus of ``n_volunteers`` simulated volunteers per candidate.

    Each volunteer answers independently from the row of ``confusion`` (default:
    :func:`confusion_matrix` of ``accuracy``) for the true class; the consensus is the plurality
    answer, ties broken at random. ``agreement`` suits ``train(weights=...)``.
    """
    truth = check_labels(true_labels)
    if n_volunteers < 1:
        raise ValueError("n_volunteers must be positive")
    matrix = confusion_matrix(accuracy) if confusion is None else np.asarray(confusion, float)
    if matrix.shape != (N_CLASSES, N_CLASSES) or not np.allclose(matrix.sum(axis=1), 1.0):
        raise ValueError("confusion must be a 5x5 matrix whose rows sum to 1")
    # Inverse-CDF sampling of every vote at once.
    cumulative = np.cumsum(matrix, axis=1)[truth]  # (N, 5)
    draws = rng.random((truth.size, n_volunteers))
    answers = (draws[:, :, None] > cumulative[:, None, :]).sum(axis=2).clip(0, N_CLASSES - 1)
    votes = np.stack([(answers == c).sum(axis=1) for c in range(N_CLASSES)], axis=1)
    # Random tie-break: a tiny random jitter below one vote decides among equal counts.
    consensus = np.argmax(votes + 0.5 * rng.random(votes.shape), axis=1).astype(np.int64)
    agreement = votes[np.arange(truth.size), consensus] / n_volunteers
    return VolunteerLabels(labels=consensus, agreement=agreement.astype(np.float32), votes=votes)
