"""Reads of the serving latent space: "more like this", the map's points, anomalies, correlations.

The space's file is read once per process and kept (keyed by row and file name, so a recomputed space
or a new champion is picked up at once); a query is then one matrix-vector product (ml.latent).
"""

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.files.storage import default_storage
from django.urls import reverse

from hunt.accounts.models import Volunteer
from hunt.accounts.roles import AnyUser, is_scientist
from hunt.classify.models import Classification
from hunt.learning.models import CLASSES, ModelVersion, Prediction
from hunt.similarity.models import AnomalySet, LatentSpaceFile
from hunt.similarity.properties import properties
from hunt.subjects.models import Subject
from ml.latent.correlate import correlation_table
from ml.latent.neighbours import CosineIndex
from ml.latent.space import LatentSpace, space_load

MAX_K = 50
# The correlation table's latent axes: the first few principal axes carry most of the variance.
CORRELATED_AXES = 4


@dataclass(frozen=True, eq=False)
class Serving:
    row: LatentSpaceFile
    space: LatentSpace
    index: CosineIndex


_lock = threading.Lock()
_cache: dict[tuple[int, str], Serving] = {}


def latent_space_serving() -> Serving | None:
    """The champion's latent space, loaded (once per process and file)."""
    row = (
        LatentSpaceFile.objects.select_related("model_version__run__snapshot")
        .filter(model_version__is_champion=True)
        .first()
    )
    if row is None:
        return None
    key = (row.pk, row.file.name)
    with _lock:
        cached = _cache.get(key)
        if cached is None:
            with row.file.open("rb") as handle:
                space = space_load(handle.read())
            cached = Serving(row=row, space=space, index=space.index())
            _cache.clear()  # one serving space per process: the old one's memory goes
            _cache[key] = cached
    return cached


def _thumbnails(ids: list[int]) -> dict[int, str | None]:
    return {
        pk: default_storage.url(name) if name else None
        for pk, name in Subject.objects.filter(pk__in=ids).values_list("pk", "thumbnail")
    }


def _model_view(version: ModelVersion, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {
        pk: {
            "cluster_probability": p,
            "model_class": max(CLASSES, key=lambda c: probs.get(c, 0.0)),
        }
        for pk, p, probs in Prediction.objects.filter(
            model_version=version, subject_id__in=ids
        ).values_list("subject_id", "cluster_probability", "class_probabilities")
    }


def similar_subjects(
    *,
    subject_id: int,
    k: int,
    user: AnyUser,
    volunteer: Volunteer | None,
    serving: Serving | None = None,
) -> list[dict[str, Any]] | None:
    """The `k` subjects most like `subject_id` (cosine, the serving model's embeddings), most similar
    first; None when the subject has no embedding (or no model serves).

    What the model thinks of each (its P(cluster) and class) is shown to scientists and admins, and to a
    volunteer only for the subjects that volunteer has classified: never before they classified it.
    `serving`: the space the caller already looked up (saves the query).
    """
    serving = serving or latent_space_serving()
    if serving is None:
        return None
    found = serving.index.query_subject(subject_id, min(k, MAX_K))
    if found is None:
        return None
    ids = [int(pk) for pk in serving.index.ids[found.rows]]
    if is_scientist(user):
        may_see = set(ids)
    elif volunteer is not None and volunteer.pk is not None:
        may_see = set(
            Classification.objects.filter(volunteer=volunteer, subject_id__in=ids).values_list(
                "subject_id", flat=True
            )
        )
    else:
        may_see = set()
    model = _model_view(serving.row.model_version, sorted(may_see)) if may_see else {}
    thumbnails = _thumbnails(ids)
    hidden = {"cluster_probability": None, "model_class": None}
    return [
        {
            "id": pk,
            "similarity": round(float(similarity), 4),
            "thumbnail_url": thumbnails.get(pk),
            "talk_url": reverse("talk:subject", args=[pk]),
            **model.get(pk, hidden),
        }
        for pk, similarity in zip(ids, found.similarity.tolist(), strict=True)
        if pk in thumbnails  # a subject deleted since the space was built is left out
    ]


def latent_map(serving: Serving, *, colour: str) -> dict[str, Any]:
    """The map's points (first two principal axes), coloured by the registered property `colour`."""
    prop = properties()[colour]
    ids = serving.space.ids.tolist()
    values = prop.values(ids, serving.row.model_version)
    coords = serving.space.axes[:, :2]
    if prop.kind == "number":
        colours: list[Any] = [None if not np.isfinite(v) else round(float(v), 4) for v in values]
    else:
        colours = [v or None for v in values.tolist()]
    return {
        "model_version": serving.row.model_version_id,
        "colour": colour,
        "kind": prop.kind,
        "explained": serving.row.explained[:2],
        "ids": ids,
        "x": [round(float(v), 4) for v in coords[:, 0]],
        "y": [round(float(v), 4) for v in coords[:, 1]],
        "values": colours,
    }


def anomalies(serving: Serving, *, limit: int) -> list[dict[str, Any]]:
    """The `limit` most anomalous subjects, strangest first, with their scores and links."""
    order = np.argsort(-serving.space.anomaly, kind="stable")[:limit]
    ids = [int(pk) for pk in serving.space.ids[order]]
    thumbnails = _thumbnails(ids)
    return [
        {
            "id": pk,
            "score": round(float(serving.space.anomaly[row]), 4),
            "thumbnail_url": thumbnails.get(pk),
            "talk_url": reverse("talk:subject", args=[pk]),
        }
        for pk, row in zip(ids, order.tolist(), strict=True)
        if pk in thumbnails
    ]


def anomaly_ids(serving: Serving) -> list[int]:
    return [int(pk) for pk in serving.space.ids[np.argsort(-serving.space.anomaly, kind="stable")]]


def correlations(serving: Serving) -> dict[str, Any]:
    """Spearman's rho of each of the first principal axes with every registered numeric property."""
    ids = serving.space.ids.tolist()
    axes = serving.space.axes[:, :CORRELATED_AXES]
    numeric = {key: p for key, p in properties().items() if p.kind == "number"}
    table = correlation_table(
        axes, {key: p.values(ids, serving.row.model_version) for key, p in numeric.items()}
    )
    return {
        "axes": [
            {"axis": j + 1, "explained": serving.row.explained[j]} for j in range(axes.shape[1])
        ],
        "rows": [
            {
                "property": key,
                "title": numeric[key].label,
                "cells": [{"rho": c.rho, "p_value": c.p_value, "n": c.n} for c in cells],
            }
            for key, cells in table.items()
        ],
    }


def anomaly_sets_recent(*, limit: int = 10) -> list[AnomalySet]:
    return list(AnomalySet.objects.select_related("workflow")[:limit])
