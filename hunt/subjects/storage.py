"""Where rendered cutouts go: always through Django's storage API, so object storage works unchanged."""

import hashlib
import logging
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from hunt.core.jobs import storage_save
from ml.prepare import PreparedCandidate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredBand:
    data_name: str
    preview_name: str
    # The denoised display copy (X-ray only); "" when there is none.
    denoised_name: str = ""


@dataclass(frozen=True)
class StoredCandidate:
    thumbnail_name: str
    bands: dict[str, StoredBand]

    def names(self) -> list[str]:
        return [self.thumbnail_name] + [
            n
            for b in self.bands.values()
            for n in (b.data_name, b.preview_name, b.denoised_name)
            if n
        ]


def attempt_folder(job_id: int, attempt: int) -> str:
    """Where one ingestion attempt writes: a worker killed mid-way leaves its files here, and only here, so
    the next claim of the job (or the sweeper) removes them whole (`attempt_files_delete`)."""
    return f"cutouts/ingest-{job_id}/attempt-{attempt}"


def _folder(attempt: str, set_slug: str, external_id: str) -> str:
    # A short hash spreads files over 256 folders (filesystems slow down with 100k entries in one), and
    # keeps identifiers with odd characters out of the path.
    digest = hashlib.sha256(f"{set_slug}/{external_id}".encode()).hexdigest()
    return f"{attempt}/{set_slug}/{digest[:2]}/{digest[2:18]}"


def candidate_files_save(
    *, attempt: str, set_slug: str, prepared: PreparedCandidate
) -> StoredCandidate:
    """Store one candidate's files under its attempt's folder, all of them or none: a failure (say, a full
    disk) removes those written."""
    folder = _folder(attempt, set_slug, prepared.external_id)
    rendered = prepared.rendered
    written: list[str] = []

    def save(name: str, payload: bytes) -> str:
        stored = storage_save(default_storage, name, ContentFile(payload))
        written.append(stored)
        return stored

    try:
        bands = {}
        for band, viewer in rendered.viewer.items():
            bands[band] = StoredBand(
                data_name=save(f"{folder}/{band}.u16", viewer.payload),
                preview_name=save(f"{folder}/{band}.jpg", rendered.previews[band]),
            )
        if rendered.denoised is not None and "xray" in bands:
            bands["xray"] = replace(
                bands["xray"],
                denoised_name=save(f"{folder}/xray-denoised.u16", rendered.denoised.payload),
            )
        thumbnail = save(f"{folder}/thumb.jpg", rendered.thumbnail)
    except BaseException:
        files_delete(written)
        raise
    return StoredCandidate(thumbnail_name=thumbnail, bands=bands)


def files_delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # a read-only storage refuses deletes too; nothing more to do here
            logger.warning("could not delete %s", name)


def attempt_files_delete(job_id: int, attempts: range) -> int:
    """Remove what the given attempts of an ingestion wrote (attempts that never committed a row: a worker
    killed mid-way); returns the number of files removed."""
    removed = 0
    for attempt in attempts:
        removed += _tree_delete(attempt_folder(job_id, attempt))
    return removed


def _tree_delete(folder: str) -> int:
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    removed = 0
    for name in files:
        files_delete([f"{folder}/{name}"])
        removed += 1
    for name in folders:
        removed += _tree_delete(f"{folder}/{name}")
    with suppress(OSError):  # a file system's empty folder; object storage has none
        path = Path(default_storage.path(folder)) if _local() else None
        if path is not None and path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return removed


def _local() -> bool:
    """Whether the storage is a local file system: Django's Storage.path raises NotImplementedError for
    object stores, which have no folders to remove."""
    try:
        default_storage.path("")
    except NotImplementedError:
        return False
    return True
