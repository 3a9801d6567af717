"""Where rendered cutouts go: always through Django's storage API, so object storage works unchanged."""

import hashlib
import logging
from dataclasses import dataclass, replace

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


def _folder(set_slug: str, external_id: str) -> str:
    # A short hash spreads files over 256 folders (filesystems slow down with 100k entries in one), and
    # keeps identifiers with odd characters out of the path.
    digest = hashlib.sha256(f"{set_slug}/{external_id}".encode()).hexdigest()
    return f"cutouts/{set_slug}/{digest[:2]}/{digest[2:18]}"


def candidate_files_save(*, set_slug: str, prepared: PreparedCandidate) -> StoredCandidate:
    """Store one candidate's files, all of them or none: a failure (say, a full disk) removes those written."""
    folder = _folder(set_slug, prepared.external_id)
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
