"""manage.py export writes the same exports to files or stdout, and names bad options clearly."""

from pathlib import Path

import pandas as pd
import pytest
from astropy.table import Table
from django.core.management import CommandError, call_command

from hunt.classify.models import Classification
from tests.exports.conftest import World


def test_writes_classifications_subjects_and_snapshots(world: World, tmp_path: Path) -> None:
    flat = tmp_path / "flat.csv"
    call_command("export", "classifications", "-o", str(flat))
    assert len(pd.read_csv(flat)) == Classification.objects.count()
    cut = Classification.objects.order_by("pk").values_list("pk", flat=True)[9]
    call_command("export", "classifications", "--since-id", str(cut), "-o", str(flat))
    assert pd.read_csv(flat)["classification_id"].min() > cut
    votable = tmp_path / "subjects.vot"
    call_command("export", "subjects", "--format", "votable", "-o", str(votable))
    assert len(Table.read(votable)) == len(world.subjects)
    snapshot = world.champion.run.snapshot
    manifest = tmp_path / "manifest.json"
    rows = tmp_path / "snapshot.ecsv"
    call_command(
        "export", "snapshot", "--snapshot", str(snapshot.pk), "--format", "ecsv", "-o", str(rows),
        "--manifest", str(manifest),
    )  # fmt: skip
    assert snapshot.sha256 in manifest.read_text()
    assert len(Table.read(rows)) == snapshot.row_count


def test_bad_options_name_the_problem(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="since_id"):
        call_command("export", "classifications", "--since-id", "x", "-o", str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="workflow"):
        call_command("export", "subjects", "--workflow", "nope", "-o", str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="to a file"):
        call_command("export", "subjects", "--format", "fits")
