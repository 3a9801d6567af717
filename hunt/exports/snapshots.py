"""The exact labels a model was trained on (a `LabelSnapshot`), with a manifest to check them against.

The manifest's `sha256` is the snapshot's own hash, recomputable from the exported rows: sha256 over the
lines "subject_id,label,source,split,votes\\n" in subject id order (as `hunt.learning.snapshots` made it).
"""

import math
from collections.abc import Iterator
from typing import Any

from hunt.exports.classifications import iso
from hunt.exports.selectors import models_trained_on
from hunt.exports.subjects import DEC_UCD, RA_UCD, Field
from hunt.learning.models import LabelSnapshot, LabelSnapshotRow

SHA256_RECIPE = (
    "sha256 of the lines f'{subject_id},{label},{source},{split},{votes}\\n' in subject_id order"
)

SNAPSHOT_FIELDS: tuple[Field, ...] = (
    Field("subject_id", "i8", description="Cluster Hunt subject id"),
    Field("external_id", "str", description="Identifier in the source data"),
    Field("subject_set", "str", description="Subject set (slug)"),
    Field("ra", "f8", "deg", "Right ascension (ICRS)", RA_UCD),
    Field("dec", "f8", "deg", "Declination (ICRS)", DEC_UCD),
    Field("label", "str", description="Training class (one of the five Hunt classes)"),
    Field("source", "str", description="expert or crowd"),
    Field(
        "split",
        "str",
        description="train or validation (by sky region; test regions are never in a snapshot)",
    ),
    Field("votes", "i8", description="Volunteer classifications when frozen"),
    Field("agreement", "f8", description="Share of votes for the majority answer"),
    Field("cluster_fraction", "f8", description="Share of votes for 'cluster'"),
)


def snapshot_rows(snapshot: LabelSnapshot) -> Iterator[list[Any]]:
    rows = (
        LabelSnapshotRow.objects.filter(snapshot=snapshot)
        .order_by("subject_id")
        .values_list(
            "subject_id",
            "subject__external_id",
            "subject__subject_set__slug",
            "subject__ra",
            "subject__dec",
            "label",
            "source",
            "split",
            "votes",
            "agreement",
            "cluster_fraction",
        )
    )
    for row in rows.iterator(chunk_size=5000):
        values = list(row)
        for index in (3, 4, 9, 10):  # missing numbers are NaN in every format
            values[index] = math.nan if values[index] is None else values[index]
        yield values


def snapshot_manifest(snapshot: LabelSnapshot) -> dict[str, Any]:
    models = [
        {
            "model_version": model.pk,
            "training_run": model.run_id,
            "champion": model.is_champion,
            "created_at": iso(model.created_at),
            # The validation AUC that chose the model (against snapshot labels), not a reported result.
            "validation_auc": model.selection_metrics.get("auc"),
        }
        for model in models_trained_on(snapshot)
    ]
    return {
        "snapshot_id": snapshot.pk,
        "workflow": snapshot.workflow.slug,
        "created_at": iso(snapshot.created_at),
        "min_votes": snapshot.min_votes,
        "row_count": snapshot.row_count,
        "sha256": snapshot.sha256,
        "sha256_recipe": SHA256_RECIPE,
        "counts": snapshot.counts,
        "model_versions": models,
        "columns": [
            {"name": f.name, "unit": f.unit, "description": f.description} for f in SNAPSHOT_FIELDS
        ],
    }


def snapshot_table_meta(snapshot: LabelSnapshot) -> dict[str, str]:
    trained = ",".join(f"v{model.pk}" for model in models_trained_on(snapshot))
    return {
        "origin": "Cluster Hunt",
        "snapshot": str(snapshot.pk),
        "workflow": snapshot.workflow.slug,
        "sha256": snapshot.sha256,
        "rows": str(snapshot.row_count),
        "models": trained,
    }
