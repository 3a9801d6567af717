"""The Kosiba et al. (2020) layout loads the day someone has the real image set."""

from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import Cutout, ExpertLabel, Subject, SubjectSet
from ml.render import decode_viewer_array


def _png(path: Path, *, xray_spot: tuple[int, int]) -> None:
    pixels = np.zeros((356, 356, 3), np.uint8)
    pixels[:, :, 1] = 40  # optical sky
    row, col = xray_spot
    pixels[row - 5 : row + 5, col - 5 : col + 5, 2] = 250  # X-ray blob, PNG row 0 is the top
    Image.fromarray(pixels).save(path)


@pytest.mark.django_db
def test_train_and_test_images_load_with_the_hunt_classes(tmp_path: Path) -> None:
    for split in ("train", "test"):
        (tmp_path / f"{split}_images").mkdir()
    _png(tmp_path / "train_images" / "a1.png", xray_spot=(20, 300))
    _png(tmp_path / "train_images" / "a2.png", xray_spot=(178, 178))
    _png(tmp_path / "test_images" / "b1.png", xray_spot=(178, 178))
    (tmp_path / "train.csv").write_text("image_id,class\na1,low-z\na2,point\n")
    (tmp_path / "test.csv").write_text("image_id,class\nb1,hi-z\n")

    job = ingest_run(
        kind=SubjectSet.Kind.KOSIBA_PNG, source=tmp_path, options={"set_name": "Kosiba"}, workers=1
    )

    assert job.created == 3
    assert dict(ExpertLabel.objects.values_list("subject__external_id", "label")) == {
        "a1": "cluster_low_z",
        "a2": "point",
        "b1": "cluster_high_z",
    }
    assert Subject.objects.get(external_id="b1").metadata == {"split": "test"}
    assert Cutout.objects.count() == 6  # X-ray and optical for each

    # The X-ray blob drawn near the PNG's top-right is at the top-right of the decoded FITS-order array's
    # flipped view, i.e. orientation survives the round trip.
    cutout = Cutout.objects.get(subject__external_id="a1", band="xray")
    with default_storage.open(cutout.data_file.name) as handle:
        values = decode_viewer_array(handle.read(), cutout.viewer_meta)
    top_down = values[::-1]
    row, col = np.unravel_index(np.argmax(top_down), top_down.shape)
    assert abs(row - 20) <= 5
    assert abs(col - 300) <= 5


@pytest.mark.django_db
def test_an_unknown_class_names_the_folder_and_the_class(tmp_path: Path) -> None:
    (tmp_path / "train_images").mkdir()
    _png(tmp_path / "train_images" / "a1.png", xray_spot=(100, 100))
    (tmp_path / "train.csv").write_text("image_id,class\na1,blob\n")
    from hunt.subjects.services import IngestError

    with pytest.raises(IngestError, match="unknown class"):
        ingest_run(
            kind=SubjectSet.Kind.KOSIBA_PNG, source=tmp_path, options={"set_name": "K"}, workers=1
        )
    assert not SubjectSet.objects.exists()
