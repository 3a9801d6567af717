"""The opt-in Zenodo download says clearly when it cannot reach the network, and unpacks what it gets."""

import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hunt.subjects.download import DownloadError, kosiba_download


def test_an_unreachable_server_gives_a_clear_offline_message(tmp_path: Path) -> None:
    # Nothing listens on port 9 of localhost: the same failure an offline machine gives.
    with pytest.raises(CommandError, match="may be offline"):
        call_command(
            "download_kosiba2020", "--destination", str(tmp_path), "--url", "http://127.0.0.1:9/Kosiba2020.zip",
            "--timeout", "2", verbosity=0,
        )  # fmt: skip
    assert not list(tmp_path.glob("*.part"))


def _archive(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, text in members.items():
            zipped.writestr(name, text)
    return path


def test_a_local_archive_is_unpacked_to_the_folder_with_train_csv(tmp_path: Path) -> None:
    source = _archive(
        tmp_path / "src.zip",
        {"Kosiba2020/train.csv": "image_id,class\n", "Kosiba2020/test.csv": ""},
    )
    folder = kosiba_download(destination=tmp_path / "out", url=source.as_uri())
    assert (folder / "train.csv").exists()


def test_an_archive_escaping_the_destination_is_refused(tmp_path: Path) -> None:
    source = _archive(tmp_path / "evil.zip", {"../escape.txt": "x", "train.csv": ""})
    with pytest.raises(DownloadError, match="outside the destination"):
        kosiba_download(destination=tmp_path / "out", url=source.as_uri())
    assert not (tmp_path / "escape.txt").exists()
