"""One model version's latent space in one file: embeddings, map, principal axes and anomaly scores.

The file is a numpy ``.npz`` (``allow_pickle=False`` on both sides: loading never runs code) with

* ``format`` ("cluster-hunt-latent"), ``format_version``;
* ``ids`` (N,) int64 subject ids, ascending; ``unit`` (N, D) float16 unit-normalised embeddings
  (float16 halves the file; cosine similarities move by < 1e-3);
* ``axes`` (N, A) float32 coordinates on the first A principal axes (the map is axes 1 and 2),
  ``explained`` (A,) each axis's share of the variance;
* ``anomaly`` (N,) float32 isolation-forest score, larger is stranger.

Everything is computed once, when the embeddings are (after training, or by the embedding job), so a
page or API call only reads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

import numpy as np

from ml.latent.anomaly import anomaly_scores
from ml.latent.neighbours import CosineIndex, unit_rows
from ml.latent.projection import pca

FORMAT = "cluster-hunt-latent"
FORMAT_VERSION = 1
N_AXES = 8


class LatentFormatError(ValueError):
    """Not a latent-space file this code reads; the message says why."""


@dataclass(frozen=True, eq=False)
class LatentSpace:
    ids: np.ndarray
    unit: np.ndarray
    axes: np.ndarray
    explained: np.ndarray
    anomaly: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.ids)
        if not (len(self.unit) == len(self.axes) == len(self.anomaly) == n):
            raise LatentFormatError("ids, embeddings, axes and anomaly scores differ in length")

    @property
    def dim(self) -> int:
        return int(self.unit.shape[1])

    def index(self) -> CosineIndex:
        return CosineIndex(self.ids, self.unit)


def build_space(ids: np.ndarray, embeddings: np.ndarray, *, seed: int = 0) -> LatentSpace:
    """Normalise, project and score ``embeddings`` (N, D) of subjects ``ids`` (N,)."""
    ids = np.asarray(ids, dtype=np.int64)
    vectors = np.asarray(embeddings, dtype=np.float32)
    if vectors.ndim != 2 or len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for embeddings of shape {vectors.shape}")
    if len(ids) < 2:
        raise ValueError("a latent space needs at least two subjects")
    if not np.isfinite(vectors).all():
        raise ValueError("embeddings contain NaN or infinity")
    order = np.argsort(ids, kind="stable")
    ids, vectors = ids[order], vectors[order]
    if np.any(np.diff(ids) == 0):
        raise ValueError("subject ids repeat")
    unit = unit_rows(vectors)
    # The map and the anomalies work on directions too, as the neighbours do: cosine geometry throughout.
    projection = pca(unit, N_AXES)
    return LatentSpace(
        ids=ids,
        unit=unit,
        axes=projection.coords.astype(np.float32),
        explained=projection.explained.astype(np.float32),
        anomaly=anomaly_scores(unit, seed=seed),
    )


def space_to_bytes(space: LatentSpace) -> bytes:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        allow_pickle=False,
        format=np.array(FORMAT),
        format_version=np.array(FORMAT_VERSION),
        ids=space.ids,
        unit=space.unit.astype(np.float16),
        axes=space.axes.astype(np.float32),
        explained=space.explained.astype(np.float32),
        anomaly=space.anomaly.astype(np.float32),
    )
    return buffer.getvalue()


def space_load(source: bytes | IO[bytes]) -> LatentSpace:
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with np.load(handle, allow_pickle=False) as arrays:
            if str(arrays["format"]) != FORMAT:
                raise LatentFormatError(f"not a {FORMAT} file (format {str(arrays['format'])!r})")
            if int(arrays["format_version"]) > FORMAT_VERSION:
                raise LatentFormatError(
                    f"latent file format {int(arrays['format_version'])} is newer than {FORMAT_VERSION}"
                )
            return LatentSpace(
                ids=arrays["ids"].astype(np.int64),
                unit=arrays["unit"].astype(np.float32),
                axes=arrays["axes"].astype(np.float32),
                explained=arrays["explained"].astype(np.float32),
                anomaly=arrays["anomaly"].astype(np.float32),
            )
    except KeyError as exc:
        raise LatentFormatError(f"latent file lacks {exc}") from None
    except (OSError, ValueError) as exc:
        if isinstance(exc, LatentFormatError):
            raise
        raise LatentFormatError(f"not a readable latent file: {exc}") from exc
