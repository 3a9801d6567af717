"""Where rendered cutouts go: always through Django's storage API, so object storage works unchanged."""

import hashlib
from dataclasses import dataclass, replace

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ml.prepare import PreparedCandidate


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
    folder = _folder(set_slug, prepared.external_id)
    rendered = prepared.rendered
    bands = {}
    for band, viewer in rendered.viewer.items():
        bands[band] = StoredBand(
            data_name=default_storage.save(f"{folder}/{band}.u16", ContentFile(viewer.payload)),
            preview_name=default_storage.save(
                f"{folder}/{band}.jpg", ContentFile(rendered.previews[band])
            ),
        )
    if rendered.denoised is not None and "xray" in bands:
        bands["xray"] = replace(
            bands["xray"],
            denoised_name=default_storage.save(
                f"{folder}/xray-denoised.u16", ContentFile(rendered.denoised.payload)
            ),
        )
    thumbnail = default_storage.save(f"{folder}/thumb.jpg", ContentFile(rendered.thumbnail))
    return StoredCandidate(thumbnail_name=thumbnail, bands=bands)


def files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
