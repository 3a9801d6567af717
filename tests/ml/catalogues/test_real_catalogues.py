"""The presets read the real catalogue files shipped in data/catalogues."""

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest

from ml.catalogues import read_catalogue

DATA = Path(__file__).resolve().parents[3] / "data" / "catalogues"


def test_mcxc_fits_reads_all_1743_confirmed_clusters():
    catalogue = read_catalogue(DATA / "mcxc.fits", preset="mcxc")
    rows = catalogue.rows

    assert catalogue.row_count == 1743
    assert catalogue.file_format == "fits"
    assert catalogue.mapping["ra"] == "RAdeg"
    assert set(rows.cluster_class.tolist()) == {"C1"}
    assert all(sid.startswith("J") for sid in rows.source_id.tolist())
    assert len(set(rows.source_id.tolist())) == 1743
    assert rows.ra.min() >= 0
    assert rows.ra.max() < 360
    assert rows.dec.min() < -80  # all-sky
    assert rows.dec.max() > 80
    assert np.isfinite(rows.redshift).all()
    assert rows.redshift.min() > 0
    assert rows.redshift.max() < 1.5
    assert rows.name[0].startswith("RXC J")


def test_mcxc_fits_and_csv_agree_row_for_row():
    from_fits = read_catalogue(DATA / "mcxc.fits", preset="mcxc").rows
    from_csv = read_catalogue(DATA / "mcxc.csv", preset="mcxc").rows

    assert from_csv.source_id.tolist() == from_fits.source_id.tolist()
    np.testing.assert_allclose(from_csv.ra, from_fits.ra, atol=1e-9)
    np.testing.assert_allclose(from_csv.dec, from_fits.dec, atol=1e-9)
    np.testing.assert_allclose(from_csv.redshift, from_fits.redshift, atol=1e-9)
    assert from_csv.extras[0]["L500"] == pytest.approx(from_fits.extras[0]["L500"])


def test_mcxc_sexagesimal_columns_match_the_degree_columns():
    # The FITS file carries both forms; the preset reads degrees, the rest lands in extras.
    rows = read_catalogue(DATA / "mcxc.fits", preset="mcxc").rows
    for i in (0, 500, 1742):
        extra = rows.extras[i]
        hours, minutes, seconds = (float(extra[key]) for key in ("RAh", "RAm", "RAs"))  # type: ignore[arg-type]
        ra_from_hms = 15 * (hours + minutes / 60 + seconds / 3600)
        assert ra_from_hms == pytest.approx(rows.ra[i], abs=2e-3)


def test_xxl100_reads_107_rows_and_the_flag_zero_sample_has_100():
    full = read_catalogue(DATA / "xxl_gc100.csv", preset="xxl100")
    sample = read_catalogue(DATA / "xxl_gc100.csv", preset="xxl100", apply_sample_filter=True)

    assert full.row_count == 107
    assert full.sample_filter is None
    assert sample.row_count == 100
    assert sample.file_row_count == 107
    assert "Flag == 0" in (sample.sample_filter or "")
    assert {extra["Flag"] for extra in sample.rows.extras} == {0}
    assert {extra["Flag"] for extra in full.rows.extras} == {0, 1, 2}
    # Row numbers still point at the file's rows after filtering.
    kept = sample.rows.row_number - 1
    assert sample.rows.source_id.tolist() == full.rows.source_id[kept].tolist()
    assert set(full.rows.cluster_class.tolist()) == {"C1"}


def test_xxl100_names_agree_with_xlssc_numbers_and_fields():
    rows = read_catalogue(DATA / "xxl_gc100.csv", preset="xxl100").rows
    assert [f"XLSSC-{sid}" for sid in rows.source_id.tolist()] == rows.name.tolist()
    # XXL-North lies near RA 35 deg, Dec -5; XXL-South near RA 350, Dec -55.
    north = (rows.ra > 25) & (rows.ra < 45) & (rows.dec > -10) & (rows.dec < 0)
    south = (rows.ra > 340) & (rows.dec > -60) & (rows.dec < -50)
    assert (north | south).all()
    assert rows.redshift.min() > 0
    assert rows.redshift.max() < 1.2


def test_efeds_reads_542_candidates_with_minus_one_read_as_missing():
    path = DATA / "efeds_xray_cluster_candidates.csv"
    catalogue = read_catalogue(path, preset="efeds")
    rows = catalogue.rows

    assert catalogue.row_count == 542
    assert catalogue.mapping["source_id"] == "ID"
    assert rows.source_id[0].startswith("eFEDS J")
    assert ((rows.ra > 125) & (rows.ra < 146)).all()
    assert ((rows.dec > -4) & (rows.dec < 7)).all()
    assert set(rows.cluster_class.tolist()) == {""}
    finite = rows.redshift[np.isfinite(rows.redshift)]
    assert finite.size > 0
    assert finite.min() > 0
    assert finite.max() < 2

    with path.open(newline="") as handle:
        raw = list(csv.DictReader(handle))
    sentinel_cells = sum(float(row["T_300kpc"]) == -1 for row in raw)
    assert sentinel_cells > 0
    assert sum(extra["T_300kpc"] is None for extra in rows.extras) == sentinel_cells
    assert rows.extras[0]["ID_SRC"] == int(raw[0]["ID_SRC"])


def test_metadata_records_the_file_hash():
    path = DATA / "xxl_gc100.csv"
    catalogue = read_catalogue(path, preset="xxl100")
    assert catalogue.file_name == "xxl_gc100.csv"
    assert catalogue.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert catalogue.columns[:3] == ("name", "XLSSC", "ra")
