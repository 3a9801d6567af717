"""Reference catalogues load through presets and cross-match subjects by identifier, then on the sky."""

from pathlib import Path
from typing import Any

import pytest
from astropy.table import Table
from django.core.management import call_command
from django.core.management.base import CommandError

from hunt.catalogues.models import CatalogueEntry, CatalogueMatch, ReferenceCatalogue
from hunt.catalogues.services import CatalogueLoadError, catalogue_load
from hunt.subjects.models import ExpertLabel, Subject, SubjectSet

DATA = Path(__file__).resolve().parents[2] / "data" / "catalogues"


def _subject(name: str, ra: float, dec: float, *, catalogue_id: str = "") -> Subject:
    subject_set, _ = SubjectSet.objects.get_or_create(
        name="S", slug="s", kind=SubjectSet.Kind.SIMULATED
    )
    subject = Subject.objects.create(subject_set=subject_set, external_id=name, ra=ra, dec=dec)
    if catalogue_id:
        ExpertLabel.objects.create(
            subject=subject, source="simulation", label="cluster", catalogue_id=catalogue_id
        )
    return subject


def _xclass_file(tmp_path: Path, fmt: str = "fits") -> Path:
    table = Table(
        {
            "XClass": [101, 102, 103],
            "RAdeg": [150.0, 150.5, 151.0],
            "DEdeg": [2.0, 2.0, 2.0],
            "z": [0.2, 0.9, 0.4],
            "Class": ["C1", "C2", "C1"],
        }
    )
    suffix = {"fits": ".fits", "votable": ".vot", "ascii.ecsv": ".ecsv", "ascii.csv": ".csv"}[fmt]
    path = tmp_path / f"xclass{suffix}"
    table.write(path, format=fmt)
    return path


@pytest.mark.django_db
def test_the_real_mcxc_catalogue_matches_abell_907_on_the_sky() -> None:
    a907 = _subject("a907", 149.59163, -11.06424)
    _subject("nowhere", 10.0, 10.0)

    catalogue = catalogue_load(path=DATA / "mcxc.fits", preset="mcxc")

    assert catalogue.row_count == 1743
    assert CatalogueEntry.objects.filter(catalogue=catalogue).count() == 1743
    match = CatalogueMatch.objects.get()
    assert match.subject == a907
    assert match.entry.source_id == "J0958.3-1103"
    assert match.method == "sky"
    assert match.separation_arcsec == pytest.approx(15.5, abs=2.0)
    assert match.radius_arcsec == catalogue.match_radius_arcsec


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["fits", "votable", "ascii.ecsv", "ascii.csv"])
def test_an_xclass_table_loads_from_every_format(tmp_path: Path, fmt: str) -> None:
    catalogue = catalogue_load(path=_xclass_file(tmp_path, fmt), preset="xclass", radius_arcsec=20)
    classes = dict(catalogue.entries.values_list("source_id", "cluster_class"))
    assert classes == {"101": "C1", "102": "C2", "103": "C1"}


@pytest.mark.django_db
def test_identifier_join_wins_and_radius_matches_respect_the_stored_radius(tmp_path: Path) -> None:
    by_id = _subject("by-id", 150.02, 2.0, catalogue_id="102")  # 72" from 101, joined to 102 by id
    taken = _subject("taken", 150.5 + 5 / 3600, 2.0)  # 5" from 102, which the id join took
    inside = _subject("inside", 151.0 + 19 / 3600, 2.0)
    outside = _subject("outside", 151.0 - 21 / 3600, 2.0)
    near_101 = _subject("near-101", 150.0 + 3 / 3600, 2.0)

    catalogue = catalogue_load(path=_xclass_file(tmp_path), preset="xclass", radius_arcsec=20)

    matches = {m.subject_id: m for m in CatalogueMatch.objects.filter(catalogue=catalogue)}
    assert matches[by_id.pk].entry.source_id == "102"
    assert matches[by_id.pk].method == "id"
    assert taken.pk not in matches  # one to one: 102 is matched once
    assert matches[inside.pk].entry.source_id == "103"
    assert matches[inside.pk].method == "sky"
    assert matches[inside.pk].separation_arcsec == pytest.approx(19, abs=0.1)
    assert outside.pk not in matches  # 21" from 103: outside the stored 20" radius
    assert matches[near_101.pk].entry.source_id == "101"


@pytest.mark.django_db
def test_missing_mapped_columns_are_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "bad.vot"
    Table({"ID": [1], "RA": [1.0]}).write(path, format="votable")
    with pytest.raises(CatalogueLoadError, match=r"bad\.vot"):
        catalogue_load(path=path, preset="xclass")
    assert not ReferenceCatalogue.objects.exists()


@pytest.mark.django_db
def test_the_same_name_and_version_cannot_be_loaded_twice(tmp_path: Path) -> None:
    path = _xclass_file(tmp_path)
    catalogue_load(path=path, preset="xclass")
    with pytest.raises(CatalogueLoadError, match="already loaded"):
        catalogue_load(path=path, preset="xclass")
    catalogue_load(path=path, preset="xclass", version="2")
    assert ReferenceCatalogue.objects.count() == 2


@pytest.mark.django_db
def test_the_command_takes_a_custom_mapping(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "mine.csv"
    Table({"name": ["a", "b"], "alpha": [150.0, 151.0], "delta": [2.0, 2.0]}).write(
        path, format="ascii.csv"
    )
    _subject("near-a", 150.0, 2.0)
    call_command(
        "load_catalogue", str(path), "--preset", "custom", "--name", "Mine",
        "--mapping", '{"source_id": "name", "ra": "alpha", "dec": "delta"}', "--radius", "10",
    )  # fmt: skip
    assert "1 subject(s) matched within 10 arcsec" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_names_the_file_and_row_of_bad_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    Table(
        {"XClass": [1, 2], "RAdeg": [10.0, 400.0], "DEdeg": [0.0, 0.0], "Class": ["C1", "C1"]}
    ).write(path, format="ascii.csv")
    with pytest.raises(CommandError) as caught:
        call_command("load_catalogue", str(path), "--preset", "xclass")
    assert "bad.csv" in str(caught.value)
    assert "row 2" in str(caught.value)
    assert not ReferenceCatalogue.objects.exists()
