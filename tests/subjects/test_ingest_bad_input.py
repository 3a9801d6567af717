"""Every kind of bad input gets a clear error naming the file (and row) and leaves nothing behind."""

import gzip
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import IngestJob, Subject, SubjectSet
from hunt.subjects.services import IngestError
from tests.builders import media_files


def _break_last(folder: Path, damage: Callable[[Path], None]) -> Path:
    """Damage the last candidate's file: the first ones are ingested (and their files written) before it."""
    victim = sorted((folder / "candidates").glob("*.fits"))[-1]
    damage(victim)
    return victim


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: 2880 * 2 + 100])


def _no_image(path: Path) -> None:
    table = fits.BinTableHDU(Table({"a": [1, 2, 3]}), name="EVENTS")
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(path, overwrite=True)


def _all_nan(path: Path) -> None:
    fits.HDUList(
        [fits.PrimaryHDU(), fits.ImageHDU(np.full((64, 64), np.nan, np.float32), name="XRAY")]
    ).writeto(path, overwrite=True)


def _one_dimensional(path: Path) -> None:
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones(64, np.float32), name="XRAY")]).writeto(
        path, overwrite=True
    )


def _enormous_header(path: Path) -> None:
    header = fits.Header()
    for card in (
        ("SIMPLE", True),
        ("BITPIX", -32),
        ("NAXIS", 2),
        ("NAXIS1", 200000),
        ("NAXIS2", 200000),
    ):
        header[card[0]] = card[1]
    path.write_bytes(header.tostring().encode() + b"\0" * 2880)


def _gzip_bomb(path: Path) -> None:
    # ~300 MB of zeros after a valid header, compressed to a few hundred KB.
    header = fits.Header()
    for key, value in (
        ("SIMPLE", True),
        ("BITPIX", 8),
        ("NAXIS", 2),
        ("NAXIS1", 20000),
        ("NAXIS2", 15000),
    ):
        header[key] = value
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunks = [compressor.compress(header.tostring().encode())]
    block = b"\0" * (1 << 20)
    chunks += [compressor.compress(block) for _ in range(300)]
    chunks.append(compressor.flush())
    path.write_bytes(b"".join(chunks))


def _random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(0).bytes(5000))


def _negative_exposure(path: Path) -> None:
    # A19: the one file of the malformed corpus that used to be ingested (as exposure_s = -1500).
    with fits.open(path, mode="update") as hdus:
        hdus["XRAY"].header["EXPOSURE"] = -1500.0


BAD_FITS = {
    "truncated": (_truncate, "truncat"),
    "no image HDU": (_no_image, "no image HDU"),
    "all NaN": (_all_nan, "no finite pixels"),
    "wrong dimensions": (_one_dimensional, "2-D"),
    "enormous header": (_enormous_header, "declares 152587.9 MiB of data"),
    "gzip bomb": (_gzip_bomb, "gzip data expands beyond"),
    "random bytes": (_random_bytes, "not a FITS file"),
    "negative exposure": (_negative_exposure, "EXPOSURE keyword is negative"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FITS))
def test_a_bad_fits_file_fails_the_whole_batch_with_its_name(
    case: str, candidate_folder: Callable[..., Path], settings: Any
) -> None:
    damage, expected = BAD_FITS[case]
    folder = candidate_folder(3)
    victim = _break_last(folder, damage)

    with pytest.raises(IngestError) as caught:
        ingest_run(
            kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": "S"}, workers=1
        )

    message = str(caught.value)
    assert victim.name in message
    assert expected.lower() in message.lower()
    assert Subject.objects.count() == 0
    assert SubjectSet.objects.count() == 0
    assert media_files(settings) == []  # the first two candidates' files were removed again
    job = IngestJob.objects.get()
    assert job.status == IngestJob.Status.FAILED
    assert victim.name in job.error


@pytest.mark.django_db
def test_a_failure_in_a_second_run_keeps_the_first_runs_subjects(
    candidate_folder: Callable[..., Path], settings: Any
) -> None:
    folder = candidate_folder(3)
    table = Table.read(folder / "candidates.csv", format="ascii.csv")
    removed = str(table["candidate_id"][2])
    table.remove_row(2)
    table.write(folder / "candidates.csv", format="ascii.csv", overwrite=True)
    labels = folder / "expert_labels.csv"
    if labels.exists():  # a label row naming no candidate is refused, so drop it with the candidate
        kept = [line for line in labels.read_text().splitlines() if not line.startswith(removed)]
        labels.write_text("\n".join(kept) + "\n")
    ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": "S"}, workers=1
    )
    files_before = sorted(media_files(settings))

    candidate_folder_with_bad = Table.read(folder / "candidates.csv", format="ascii.csv")
    candidate_folder_with_bad.add_row(
        ["CH-000009", 150.5, 2.5, "F1", "candidates/missing.fits", 15000.0]
    )
    candidate_folder_with_bad.write(folder / "candidates.csv", format="ascii.csv", overwrite=True)
    with pytest.raises(IngestError, match=r"missing\.fits"):
        ingest_run(
            kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": "S"}, workers=1
        )

    assert Subject.objects.count() == 2
    assert SubjectSet.objects.count() == 1
    assert sorted(media_files(settings)) == files_before


def _edit_table(folder: Path, edit: Callable[[Table], None]) -> None:
    table = Table.read(folder / "candidates.csv", format="ascii.csv")
    edit(table)
    table.write(folder / "candidates.csv", format="ascii.csv", overwrite=True)


def _set(table: Table, column: str, row: int, value: Any) -> None:
    table[column] = table[column].astype(object)
    table[column][row] = value


BAD_TABLES = {
    "missing mapped column": (lambda t: t.remove_column("file"), "missing column(s) file"),
    "RA out of range": (lambda t: _set(t, "ra", 1, 361.0), "row 2: ra=361.0"),
    "Dec out of range": (lambda t: _set(t, "dec", 2, -91.0), "row 3: dec=-91.0"),
    "duplicate ids": (
        lambda t: _set(t, "candidate_id", 2, "CH-000000"),
        "row 3: duplicate candidate_id",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_a_bad_candidates_table_is_refused_naming_file_and_row(
    case: str, candidate_folder: Callable[..., Path], settings: Any
) -> None:
    edit, expected = BAD_TABLES[case]
    folder = candidate_folder(3)
    _edit_table(folder, edit)

    with pytest.raises(CommandError) as caught:
        call_command("ingest", "candidates", str(folder), "--set", "S", "--workers", "1")

    assert "candidates.csv" in str(caught.value)
    assert expected in str(caught.value)
    assert Subject.objects.count() == 0
    assert media_files(settings) == []


def _kosiba_folder(root: Path, image: Image.Image) -> Path:
    folder = root / "kosiba"
    (folder / "train_images").mkdir(parents=True)
    image.save(folder / "train_images" / "img001.png")
    (folder / "train.csv").write_text("image_id,class\nimg001,low-z\n")
    return folder


@pytest.mark.django_db
def test_a_kosiba_png_that_is_not_three_channel_is_refused(tmp_path: Path, settings: Any) -> None:
    folder = _kosiba_folder(tmp_path, Image.new("RGBA", (356, 356)))
    with pytest.raises(IngestError, match=r"img001\.png.*not 3-channel"):
        ingest_run(
            kind=SubjectSet.Kind.KOSIBA_PNG, source=folder, options={"set_name": "K"}, workers=1
        )
    assert Subject.objects.count() == 0
    assert media_files(settings) == []


@pytest.mark.django_db
def test_a_gzip_named_fits_gz_that_is_not_gzip_is_refused(
    candidate_folder: Callable[..., Path],
) -> None:
    folder = candidate_folder(1)
    victim = sorted((folder / "candidates").glob("*.fits"))[0]
    victim.write_bytes(gzip.compress(b"not a fits file at all" * 10))
    with pytest.raises(IngestError, match=victim.name):
        ingest_run(
            kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": "S"}, workers=1
        )
