"""Files the reader must refuse, with messages that say where the problem is."""

import gzip

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from ml.catalogues import CatalogueError, read_catalogue
from tests.ml.catalogues.tables import xclass_table


def test_missing_mapped_column_names_file_preset_column_and_alternatives(write_table):
    table = xclass_table()
    table.remove_column("Class")
    path = write_table(table, "csv", stem="no_class")

    with pytest.raises(CatalogueError) as caught:
        read_catalogue(path, preset="xclass")

    message = str(caught.value)
    assert "no_class.csv" in message
    assert "'xclass'" in message
    assert "cluster_class" in message
    assert "available columns: XClass, RAdeg, DEdeg, z, Nexp" in message


def test_custom_mapping_to_an_absent_column_is_refused(write_table):
    path = write_table(xclass_table(), "ecsv")
    with pytest.raises(CatalogueError, match=r"redshift \(tried zbest\)"):
        read_catalogue(
            path,
            preset="custom",
            mapping={"source_id": "XClass", "ra": "RAdeg", "dec": "DEdeg", "redshift": "zbest"},
        )


@pytest.mark.parametrize(
    ("column", "row", "value", "expected"),
    [
        ("RAdeg", 2, 360.0, r"row 2, column 'RAdeg': coordinate 360\.0 is outside \[0, 360\)"),
        ("RAdeg", 4, -0.1, r"row 4, column 'RAdeg': coordinate -0\.1 is outside"),
        ("DEdeg", 3, 90.5, r"row 3, column 'DEdeg': coordinate 90\.5 is outside \[-90, 90\]"),
        ("DEdeg", 5, np.nan, r"row 5, column 'DEdeg': coordinate nan is missing or not finite"),
        ("RAdeg", 1, np.inf, r"row 1, column 'RAdeg': coordinate inf is missing"),
    ],
)
def test_bad_coordinates_are_reported_by_row(write_table, column, row, value, expected):
    table = xclass_table()
    table[column][row - 1] = value
    path = write_table(table, "fits", stem="bad_coords")

    with pytest.raises(CatalogueError, match=rf"bad_coords\.fits: {expected}"):
        read_catalogue(path, preset="xclass")


def test_empty_coordinate_cell_in_csv_is_reported(write_table, tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("XClass,RAdeg,DEdeg,Class\n1,10.0,5.0,C1\n2,,6.0,C1\n")
    with pytest.raises(CatalogueError, match=r"gap\.csv: row 2, column 'RAdeg'.*missing"):
        read_catalogue(path, preset="xclass")


def test_non_numeric_coordinate_is_reported(tmp_path):
    path = tmp_path / "sexagesimal.csv"
    path.write_text("XClass,RAdeg,DEdeg,Class\n1,10.0,5.0,C1\n2,12:30:00,6.0,C1\n")
    with pytest.raises(CatalogueError, match=r"row 2, column 'RAdeg': '12:30:00' is not a number"):
        read_catalogue(path, preset="xclass")


def test_duplicate_ids_name_both_rows(write_table):
    table = xclass_table()
    table["XClass"][3] = 2328
    path = write_table(table, "votable", stem="dupes")

    with pytest.raises(
        CatalogueError, match=r"dupes\.vot: duplicate source id '2328' in rows 2 and 4"
    ):
        read_catalogue(path, preset="xclass")


def test_empty_id_is_reported(tmp_path):
    path = tmp_path / "blank_id.csv"
    path.write_text("XClass,RAdeg,DEdeg,Class\n1,10.0,5.0,C1\n,11.0,6.0,C1\n")
    with pytest.raises(CatalogueError, match=r"row 2, column 'XClass': source id is empty"):
        read_catalogue(path, preset="xclass")


def test_negative_redshift_is_refused_unless_the_preset_knows_the_sentinel(tmp_path):
    path = tmp_path / "sentinel.csv"
    path.write_text("ID,RA,DEC,z\nA,130.0,1.0,0.3\nB,131.0,1.5,-1\n")

    with pytest.raises(CatalogueError, match=r"row 2, column 'z': redshift -1\.0 is negative"):
        read_catalogue(
            path,
            preset="custom",
            mapping={"source_id": "ID", "ra": "RA", "dec": "DEC", "redshift": "z"},
        )
    rows = read_catalogue(path, preset="efeds").rows
    assert rows.redshift[0] == pytest.approx(0.3)
    assert np.isnan(rows.redshift[1])


def test_zero_byte_file_is_refused(tmp_path):
    path = tmp_path / "nothing.csv"
    path.write_bytes(b"")
    with pytest.raises(CatalogueError, match=r"nothing\.csv: file is empty"):
        read_catalogue(path, preset="xclass")


def test_header_only_table_is_refused(tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text("XClass,RAdeg,DEdeg,Class\n")
    with pytest.raises(CatalogueError, match=r"header_only\.csv: the table has no rows"):
        read_catalogue(path, preset="xclass")


def test_file_above_the_size_cap_is_refused_before_reading(write_table):
    path = write_table(xclass_table(), "csv", stem="big")
    size = path.stat().st_size
    with pytest.raises(
        CatalogueError, match=rf"big\.csv: file is {size:,} bytes, above the 100-byte"
    ):
        read_catalogue(path, preset="xclass", max_bytes=100)
    assert read_catalogue(path, preset="xclass", max_bytes=size).row_count == 5


def test_gzipped_fits_declaring_more_data_than_the_cap_is_refused(tmp_path):
    # 8 MB of zeros compresses to a few kB: the file passes the size cap, its header does not.
    n = 200_000
    table = Table({"XClass": np.zeros(n, int), "RAdeg": np.zeros(n), "Class": np.zeros(n, "S1")})
    raw = tmp_path / "bomb.fits"
    table.write(raw)
    packed = tmp_path / "bomb.fits.gz"
    packed.write_bytes(gzip.compress(raw.read_bytes()))
    assert packed.stat().st_size < 1_000_000

    with pytest.raises(
        CatalogueError, match=r"bomb\.fits\.gz: FITS header declares 3,400,000 bytes"
    ):
        read_catalogue(packed, preset="xclass", max_bytes=1_000_000)


def test_fits_truncated_inside_the_table_data_is_a_catalogue_error(write_table, tmp_path):
    path = write_table(xclass_table(), "fits")
    cut = tmp_path / "cut.fits"
    # Primary header, table header, then only the first few bytes of the data block.
    cut.write_bytes(path.read_bytes()[: 2 * 2880 + 20])
    with pytest.raises(CatalogueError, match=r"cut\.fits: could not be read as FITS"):
        read_catalogue(cut, preset="xclass")


def test_fits_truncated_inside_the_table_header_is_refused(write_table, tmp_path):
    path = write_table(xclass_table(), "fits")
    cut = tmp_path / "cut.fits"
    cut.write_bytes(path.read_bytes()[:2900])
    with pytest.raises(CatalogueError, match=r"cut\.fits: FITS file holds no table extension"):
        read_catalogue(cut, preset="xclass")


def test_fits_without_a_table_is_refused(tmp_path):
    path = tmp_path / "image.fits"
    fits.PrimaryHDU(np.zeros((4, 4))).writeto(path)
    with pytest.raises(CatalogueError, match=r"image\.fits: FITS file holds no table extension"):
        read_catalogue(path, preset="xclass")


def test_gzipped_non_fits_is_refused(tmp_path):
    path = tmp_path / "table.fits.gz"
    path.write_bytes(gzip.compress(b"XClass,RAdeg\n1,2\n"))
    with pytest.raises(CatalogueError, match=r"gzip-compressed file is not FITS"):
        read_catalogue(path, preset="xclass")


def test_unknown_extension_without_signature_is_refused(tmp_path):
    path = tmp_path / "table.txt"
    path.write_text("XClass RAdeg\n1 2\n")
    with pytest.raises(CatalogueError, match=r"table\.txt: unrecognised table format"):
        read_catalogue(path, preset="xclass")


def test_unknown_preset_lists_the_choices(write_table):
    path = write_table(xclass_table(), "csv")
    with pytest.raises(CatalogueError, match=r"unknown preset 'xcs'.*custom, efeds, mcxc"):
        read_catalogue(path, preset="xcs")


def test_sample_filter_on_a_preset_without_one_is_refused(write_table):
    path = write_table(xclass_table(), "csv")
    with pytest.raises(CatalogueError, match=r"defines no sample filter"):
        read_catalogue(path, preset="xclass", apply_sample_filter=True)


def test_catalogue_error_is_a_value_error():
    assert issubclass(CatalogueError, ValueError)
