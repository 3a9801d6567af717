"""The xclass and custom presets on tables written in every supported format."""

import gzip
import json

import numpy as np
import pytest
from astropy import units as u
from astropy.table import Table

from ml.catalogues import CatalogueError, read_catalogue
from tests.ml.catalogues.tables import xclass_table

FORMATS = ["fits", "votable", "ecsv", "csv"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_xclass_round_trips_through_every_format(write_table, file_format):
    path = write_table(xclass_table(), file_format)

    catalogue = read_catalogue(path, preset="xclass")
    rows = catalogue.rows

    assert catalogue.file_format == file_format
    assert catalogue.row_count == 5
    assert rows.source_id.tolist() == ["20", "2328", "41", "77", "1500"]
    np.testing.assert_allclose(rows.ra, [0.5, 150.25, 359.75, 10.0, 200.0])
    np.testing.assert_allclose(rows.dec, [-30.0, 2.5, 45.0, -89.5, 89.0])
    assert np.isnan(rows.redshift[2])
    np.testing.assert_allclose(rows.redshift[[0, 1, 3, 4]], [0.12, 0.8, 1.45, 0.3])
    assert rows.cluster_class.tolist() == ["C1", "C2", "C1", "C3", "C1"]
    assert [extra["Nexp"] for extra in rows.extras] == [3, 1, 2, 5, 4]
    assert rows.entry(2).redshift is None
    assert rows.entry(1).redshift == pytest.approx(0.8)


def test_xclass_accepts_vizier_style_labels_case_insensitively(write_table):
    table = Table()
    table["xclass"] = ["xclass00020", "xclass02328"]
    table["_RA"] = [12.0, 13.0]
    table["_DE"] = [-5.0, -6.0]
    table["CL"] = [1, 2]  # the class kept as its digit only
    path = write_table(table, "csv")

    catalogue = read_catalogue(path, preset="xclass")

    assert catalogue.mapping == {
        "source_id": "xclass",
        "ra": "_RA",
        "dec": "_DE",
        "cluster_class": "CL",
    }
    assert catalogue.rows.cluster_class.tolist() == ["C1", "C2"]
    assert np.isnan(catalogue.rows.redshift).all()


def test_content_decides_the_format_over_the_file_name(write_table, tmp_path):
    path = write_table(xclass_table(), "votable")
    renamed = tmp_path / "download.dat"
    path.rename(renamed)

    assert read_catalogue(renamed, preset="xclass").file_format == "votable"


def test_gzipped_fits_is_read(write_table, tmp_path):
    path = write_table(xclass_table(), "fits")
    packed = tmp_path / "catalogue.fits.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))

    catalogue = read_catalogue(packed, preset="xclass")

    assert catalogue.row_count == 5
    assert catalogue.rows.source_id[1] == "2328"


def test_angle_units_other_than_degrees_are_converted(write_table):
    table = Table()
    table["XClass"] = ["a", "b"]
    table["RA"] = [1.0, 23.5] * u.hourangle
    table["DEC"] = [0.0, 0.5] * u.rad
    table["Class"] = ["C1", "C1"]
    path = write_table(table, "ecsv")

    rows = read_catalogue(path, preset="xclass").rows

    np.testing.assert_allclose(rows.ra, [15.0, 352.5])
    np.testing.assert_allclose(rows.dec, [0.0, np.degrees(0.5)])


def test_custom_mapping_names_the_columns(write_table):
    table = Table()
    table["obj"] = ["A", "B", "C"]
    table["alpha"] = [10.0, 20.0, 30.0]
    table["delta"] = [1.0, 2.0, 3.0]
    table["zbest"] = [0.1, 0.2, 0.3]
    table["grade"] = ["C1", "C2", ""]
    path = write_table(table, "csv")

    catalogue = read_catalogue(
        path,
        preset="custom",
        mapping={
            "source_id": "obj",
            "ra": "alpha",
            "dec": "delta",
            "redshift": "zbest",
            "cluster_class": "grade",
        },
    )

    rows = catalogue.rows
    assert rows.source_id.tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(rows.ra, [10.0, 20.0, 30.0])
    np.testing.assert_allclose(rows.redshift, [0.1, 0.2, 0.3])
    assert rows.cluster_class.tolist() == ["C1", "C2", ""]
    assert rows.extras == ({}, {}, {})


def test_a_mapping_overrides_one_field_of_a_preset(write_table):
    table = xclass_table()
    table["z_phot"] = [0.2, 0.3, 0.4, 0.5, 0.6]
    path = write_table(table, "ecsv")

    rows = read_catalogue(path, preset="xclass", mapping={"redshift": "z_phot"}).rows

    np.testing.assert_allclose(rows.redshift, [0.2, 0.3, 0.4, 0.5, 0.6])
    assert rows.extras[0]["z"] == pytest.approx(0.12)


def test_custom_preset_without_mapping_is_refused(write_table):
    path = write_table(xclass_table(), "csv")
    with pytest.raises(CatalogueError, match=r"catalogue\.csv.*needs a column mapping"):
        read_catalogue(path, preset="custom")


def test_unknown_mapping_field_is_refused(write_table):
    path = write_table(xclass_table(), "csv")
    with pytest.raises(CatalogueError, match=r"unknown field.*magnitude"):
        read_catalogue(
            path,
            preset="custom",
            mapping={"source_id": "XClass", "ra": "RAdeg", "dec": "DEdeg", "magnitude": "z"},
        )


def test_rows_select_keeps_order_and_file_row_numbers(write_table):
    rows = read_catalogue(write_table(xclass_table(), "csv"), preset="xclass").rows
    picked = rows.select(rows.cluster_class == "C1")
    assert picked.source_id.tolist() == ["20", "41", "1500"]
    assert picked.row_number.tolist() == [1, 3, 5]
    assert [entry.source_id for entry in picked.entries()] == ["20", "41", "1500"]


def test_extras_are_json_ready(write_table):
    table = xclass_table()
    table["flux"] = np.array([5.0297227, np.nan, np.inf, 1e-14, 2.5], dtype=np.float32)
    table["note"] = ["", "merger", " bright ", "", "x"]
    table["vector"] = np.zeros((5, 3))
    path = write_table(table, "fits")

    extras = read_catalogue(path, preset="xclass").rows.extras

    assert [e["flux"] for e in extras] == [5.0297227, None, None, 1e-14, 2.5]
    assert [e["note"] for e in extras] == [None, "merger", "bright", None, "x"]
    assert all("vector" not in e for e in extras)
    json.dumps(extras, allow_nan=False)
