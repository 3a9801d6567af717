"""The per-subject table read back with astropy, pandas and pyarrow equals the database (types, units)."""

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from astropy.io.votable import parse
from astropy.table import Table
from django.urls import reverse

from hunt.classify.models import SubjectStatus
from hunt.exports.services import export_spec, export_write
from hunt.learning.models import Prediction
from tests.exports.conftest import World
from tests.exports.helpers import body, frame

READ_FORMATS = {"ecsv": "ascii.ecsv", "fits": "fits", "votable": "votable", "parquet": "parquet"}


def _expected(world: World) -> dict[int, dict[str, Any]]:
    """What the database says, computed here without the export code."""
    rows: dict[int, dict[str, Any]] = {}
    predictions = {p.subject_id: p for p in Prediction.objects.filter(model_version=world.champion)}
    for status in SubjectStatus.objects.filter(workflow=world.workflow).select_related("subject"):
        total = status.classification_count
        prediction = predictions.get(status.subject_id)
        rows[status.subject_id] = {
            "ra": status.subject.ra,
            "classification_count": total,
            "votes_cluster": status.cluster_count,
            "votes_point": status.point_count,
            "votes_cluster_low": status.cluster_low_count,
            "fraction_point": status.point_count / total if total else math.nan,
            "retired": status.retired_at is not None,
            "retirement_reason": status.retirement_reason,
            "is_gold": status.is_gold,
            "model_cluster_probability": prediction.cluster_probability if prediction else math.nan,
        }
    return rows


def _cell(table: Any, column: str, index: int) -> Any:
    """A missing value as the database means it: astropy may mask NaN and empty text, pandas reads an
    empty CSV cell as NaN."""
    value = table[column][index]
    if value is np.ma.masked or (isinstance(value, float) and math.isnan(value)):
        kind = getattr(table[column], "dtype", np.dtype(float)).kind
        return "" if kind in "UOS" else math.nan
    return value


def _check(table: Any, expected: dict[int, dict[str, Any]], world: World) -> None:
    ids = [int(value) for value in table["subject_id"]]
    assert ids == sorted(expected)
    for index, subject_id in enumerate(ids):
        for column, value in expected[subject_id].items():
            got = _cell(table, column, index)
            if isinstance(value, float):
                assert got == pytest.approx(value, nan_ok=True), (subject_id, column)
            else:
                assert (str(got) if isinstance(value, str) else got) == value, (subject_id, column)
    first = ids.index(world.subjects[0].pk)
    assert table["consensus"][first] == "cluster_low_z"
    assert table["catalogue"][first] == "MCXC"
    assert table["catalogue_id"][first] == "J1000+0200"
    assert table["catalogue_separation"][first] == pytest.approx(12.5)
    gold = ids.index(world.subjects[1].pk)
    assert (table["expert_label"][gold], table["expert_source"][gold]) == ("point", "experts")
    shaped = ids.index(world.subjects[2].pk)
    assert table["morph_concentration"][shaped] == pytest.approx(0.42)
    assert math.isnan(_cell(table, "morph_concentration", first))


def _meta(table: Any, path: Path, file_format: str) -> dict[str, str]:
    if file_format == "votable":
        return {info.name: info.value for info in parse(str(path)).resources[0].infos}
    return {str(key).lower(): value for key, value in table.meta.items()}


def test_streamed_csv_reads_back_with_pandas(scientist_client: Any, world: World) -> None:
    table = frame(body(scientist_client.get(reverse("api-export-subjects"))))
    _check(table, _expected(world), world)
    assert table["votes_cluster"].dtype == np.int64
    assert table["retired"].dtype == bool
    assert table["fraction_cluster"].dtype == np.float64


@pytest.mark.parametrize("file_format", ["ecsv", "fits", "votable", "parquet"])
def test_typed_formats_keep_types_units_and_values(
    world: World, tmp_path: Path, file_format: str
) -> None:
    path = tmp_path / f"subjects.{file_format}"
    rows = export_write(export_spec(kind="subjects", file_format=file_format), path)
    assert rows == SubjectStatus.objects.filter(workflow=world.workflow).count()
    table = Table.read(path, format=READ_FORMATS[file_format])
    _check(table, _expected(world), world)
    assert str(table["ra"].unit) == "deg"
    assert str(table["dec"].unit) == "deg"
    assert str(table["catalogue_separation"].unit) == "arcsec"
    assert table["votes_cluster"].dtype.kind == "i"
    assert table["votes_cluster"].dtype.itemsize == 8
    assert table["retired"].dtype == bool
    # FITS is big-endian: float64 all the same.
    assert table["fraction_point"].dtype.kind == "f"
    assert table["fraction_point"].dtype.itemsize == 8
    meta = _meta(table, path, file_format)
    assert meta["workflow"] == "hunt"
    assert meta["model"] == f"v{world.champion.pk}"
    if file_format != "fits":  # FITS holds ASCII text only
        assert table["subject_set"][0] == "field-u"


def test_the_votable_names_its_positions_and_carries_its_metadata_on_the_table(
    world: World, tmp_path: Path
) -> None:
    # Issue 18: RA/Dec had no UCDs, and the metadata sat on the RESOURCE only, where Table.read shows none.
    path = tmp_path / "subjects.vot"
    export_write(export_spec(kind="subjects", file_format="votable"), path)
    element = parse(str(path)).get_first_table()
    ucds = {field.name: field.ucd for field in element.fields}
    assert ucds["ra"] == "pos.eq.ra;meta.main"
    assert ucds["dec"] == "pos.eq.dec;meta.main"
    assert {info.name: info.value for info in element.infos}["workflow"] == "hunt"
    table = Table.read(path, format="votable")
    assert table["ra"].meta["ucd"] == "pos.eq.ra;meta.main"
    assert table.meta["name"] == "cluster_hunt_subjects"
    assert "workflow=hunt" in table.meta["description"]
    assert f"model=v{world.champion.pk}" in table.meta["description"]


def test_parquet_reads_with_pyarrow_and_pandas(world: World, tmp_path: Path) -> None:
    path = tmp_path / "subjects.parquet"
    export_write(export_spec(kind="subjects", file_format="parquet"), path)
    arrow = pq.read_table(path)
    assert str(arrow.schema.field("votes_cluster").type) == "int64"
    assert str(arrow.schema.field("ra").type) == "double"
    assert str(arrow.schema.field("retired").type) == "bool"
    _check(arrow.to_pandas(), _expected(world), world)
    assert isinstance(pd.read_parquet(path), pd.DataFrame)


def test_subject_table_filters(scientist_client: Any, world: World) -> None:
    url = reverse("api-export-subjects")
    retired = frame(body(scientist_client.get(url, {"retired_only": "true"})))
    assert set(retired["subject_id"]) == set(
        SubjectStatus.objects.filter(retired_at__isnull=False).values_list("subject_id", flat=True)
    )
    later = frame(body(scientist_client.get(url, {"since_id": world.subjects[3].pk})))
    assert list(later["subject_id"]) == [s.pk for s in world.subjects[4:]]
    gold = frame(body(scientist_client.get(url, {"gold_only": "true"})))
    assert list(gold["subject_id"]) == [world.subjects[1].pk]
