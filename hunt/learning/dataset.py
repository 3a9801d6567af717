"""CNN inputs for subjects, made from the stored viewer arrays (raw pixels) and each cutout's stored pixel
scale, through `ml.render.cnn_input` (physical units: one field of view and pixel scale for every survey)."""

from collections.abc import Iterable, Sequence

import numpy as np
from django.core.files.storage import default_storage

from hunt.subjects.models import Cutout
from ml.render import CNN_CHANNELS, cnn_input, decode_viewer_array

CNN_SIZE = 64


def subject_images(subject_ids: Sequence[int], *, size: int = CNN_SIZE) -> np.ndarray:
    """(N, 4, size, size) float32 with channels `ml.render.CNN_CHANNELS`, in `subject_ids` order.

    A subject without an optical cutout gets the mask channel at 0 (never zeros pretending to be sky); a
    subject without any cutout cannot be shown to the CNN and raises ValueError.
    """
    bands: dict[int, dict[str, np.ndarray]] = {pk: {} for pk in subject_ids}
    scales: dict[int, dict[str, float | None]] = {pk: {} for pk in subject_ids}
    for cutout in _cutouts(subject_ids):
        with default_storage.open(cutout.data_file.name) as handle:
            bands[cutout.subject_id][cutout.band] = decode_viewer_array(
                handle.read(), cutout.viewer_meta
            )
        scales[cutout.subject_id][cutout.band] = cutout.pixel_scale_arcsec
    images = np.empty((len(subject_ids), len(CNN_CHANNELS), size, size), dtype=np.float32)
    for index, pk in enumerate(subject_ids):
        if "xray" not in bands[pk]:
            raise ValueError(f"subject {pk} has no X-ray cutout")
        images[index] = cnn_input(
            {"xray": bands[pk]["xray"], "optical": bands[pk].get("optical")},
            size=size,
            xray_pixel_arcsec=scales[pk].get("xray"),
            optical_pixel_arcsec=scales[pk].get("optical"),
        )
    return images


def _cutouts(subject_ids: Sequence[int]) -> Iterable[Cutout]:
    for start in range(0, len(subject_ids), 2000):
        yield from Cutout.objects.filter(subject_id__in=subject_ids[start : start + 2000]).only(
            "subject_id", "band", "data_file", "viewer_meta", "pixel_scale_arcsec"
        )
