"""Opt-in download of the Kosiba et al. (2020) image set from Zenodo (record 7236582).

Never called at run time: only `manage.py download_kosiba2020` fetches it, and it says clearly when the machine
is offline.
"""

import hashlib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

ZENODO_RECORD = "7236582"
ARCHIVE_NAME = "Kosiba2020.zip"
ARCHIVE_URL = f"https://zenodo.org/records/{ZENODO_RECORD}/files/{ARCHIVE_NAME}?download=1"
# The archive is ~259 MB; refuse anything wildly larger (a wrong URL or a hostile mirror).
MAX_ARCHIVE_BYTES = 600 * 1024 * 1024
MAX_EXTRACTED_BYTES = 2 * 1024 * 1024 * 1024


class DownloadError(Exception):
    pass


def kosiba_download(
    *,
    destination: Path,
    url: str = ARCHIVE_URL,
    timeout: float = 30.0,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Download and unpack the archive into `destination`; returns the folder holding train.csv."""
    destination.mkdir(parents=True, exist_ok=True)
    archive = destination / ARCHIVE_NAME
    partial = archive.with_suffix(".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            if total > MAX_ARCHIVE_BYTES:
                raise DownloadError(
                    f"{url} announces {total} bytes, more than the expected ~259 MB"
                )
            digest = hashlib.sha256()
            done = 0
            with partial.open("wb") as out:
                while chunk := response.read(1 << 20):
                    done += len(chunk)
                    if done > MAX_ARCHIVE_BYTES:
                        raise DownloadError(
                            f"{url} sent more than {MAX_ARCHIVE_BYTES} bytes; stopped"
                        )
                    digest.update(chunk)
                    out.write(chunk)
                    if progress is not None:
                        progress(done, total)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"cannot reach Zenodo ({exc}); this machine may be offline. Download {url} elsewhere and "
            f"unpack it, then run: manage.py ingest kosiba FOLDER --set 'Kosiba 2020'"
        ) from exc
    except DownloadError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(archive)
    return _unpack(archive, destination)


def _unpack(archive: Path, destination: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as zipped:
            if sum(info.file_size for info in zipped.infolist()) > MAX_EXTRACTED_BYTES:
                raise DownloadError(f"{archive} would expand beyond {MAX_EXTRACTED_BYTES} bytes")
            for info in zipped.infolist():
                target = (destination / info.filename).resolve()
                if not target.is_relative_to(destination.resolve()):
                    raise DownloadError(
                        f"{archive} holds a path outside the destination: {info.filename}"
                    )
            zipped.extractall(destination)
    except zipfile.BadZipFile as exc:
        raise DownloadError(f"{archive} is not a zip archive ({exc})") from exc
    found = sorted(destination.rglob("train.csv"))
    if not found:
        raise DownloadError(f"{archive} has no train.csv: not the Kosiba+2020 layout")
    return found[0].parent
