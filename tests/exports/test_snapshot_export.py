"""A label snapshot exported with its manifest: the sha256 recomputes from the rows; models are listed."""

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
from astropy.io.votable import parse
from astropy.table import Table
from django.urls import reverse

from hunt.exports.services import export_spec, export_write
from hunt.learning.models import LabelSnapshotRow
from tests.exports.conftest import World
from tests.exports.helpers import body, frame


def test_manifest_and_rows_match_the_snapshot_the_model_was_trained_on(
    scientist_client: Any, world: World
) -> None:
    snapshot = world.champion.run.snapshot
    manifest = scientist_client.get(reverse("api-export-snapshot", args=[snapshot.pk])).json()
    assert (
        manifest["row_count"]
        == snapshot.row_count
        == LabelSnapshotRow.objects.filter(snapshot=snapshot).count()
    )
    assert manifest["sha256"] == snapshot.sha256
    assert [m["model_version"] for m in manifest["model_versions"]] == [world.champion.pk]
    rows = frame(body(scientist_client.get(manifest["rows_url"])))
    assert len(rows) == manifest["row_count"]
    # The documented recipe reproduces the stored hash from the exported rows.
    digest = hashlib.sha256()
    for row in rows.sort_values("subject_id").itertuples():
        digest.update(
            f"{row.subject_id},{row.label},{row.source},{row.split},{row.votes}\n".encode()
        )
    assert digest.hexdigest() == snapshot.sha256
    stored = dict(
        LabelSnapshotRow.objects.filter(snapshot=snapshot).values_list("subject_id", "label")
    )
    assert dict(zip(rows["subject_id"], rows["label"], strict=True)) == stored


def test_snapshot_in_typed_formats(world: World, tmp_path: Path) -> None:
    snapshot = world.champion.run.snapshot
    for file_format, reader in (("ecsv", "ascii.ecsv"), ("fits", "fits"), ("votable", "votable")):
        path = tmp_path / f"snapshot.{file_format}"
        export_write(
            export_spec(kind="snapshot", snapshot_id=snapshot.pk, file_format=file_format), path
        )
        table = Table.read(path, format=reader)
        assert len(table) == snapshot.row_count
        meta = {str(key).lower(): value for key, value in table.meta.items()}
        if file_format == "votable":
            meta = {info.name: info.value for info in parse(str(path)).resources[0].infos}
        assert meta["sha256"] == snapshot.sha256
        assert str(table["ra"].unit) == "deg"
    path = tmp_path / "snapshot.parquet"
    export_write(export_spec(kind="snapshot", snapshot_id=snapshot.pk, file_format="parquet"), path)
    assert sorted(pd.read_parquet(path)["subject_id"]) == sorted(
        LabelSnapshotRow.objects.filter(snapshot=snapshot).values_list("subject_id", flat=True)
    )


def test_unknown_snapshot_is_a_404(scientist_client: Any, world: World) -> None:
    assert scientist_client.get(reverse("api-export-snapshot", args=[999999])).status_code == 404
    assert (
        scientist_client.get(reverse("api-export-snapshot-rows", args=[999999])).status_code == 404
    )
