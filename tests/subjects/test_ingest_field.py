"""Real XMM-Newton fields (Abell 907, Abell 1835) cut into subjects around their source lists."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import Cutout, ExpertLabel, Subject, SubjectSet
from ml.render import decode_viewer_array
from tests.builders import DATA

A907 = DATA / "xmm" / "a907"
A1835 = DATA / "xmm" / "a1835"


def _ingest_a907(obs_id: str = "0201901401") -> Any:
    return ingest_run(
        kind=SubjectSet.Kind.XMM_FIELD,
        source=A907 / f"{obs_id}-0.50-2.00keVmerged_img.fits",
        options={
            "set_name": "XMM Abell 907",
            "sources": str(A907 / "sources.csv"),
            "obs_id": obs_id,
            "exposure_map": str(A907 / f"{obs_id}-0.50-2.00keVmerged_expmap.fits"),
            "size": 64,
        },
        workers=1,
    )


@pytest.mark.django_db
def test_every_listed_source_of_the_observation_becomes_an_x_ray_only_subject() -> None:
    job = _ingest_a907()

    assert job.status == "succeeded"
    assert job.created == 16  # rows of ObsID 0201901401 in sources.csv
    assert Subject.objects.count() == 16
    assert set(Cutout.objects.values_list("band", flat=True)) == {"xray"}
    labels = dict(
        ExpertLabel.objects.values_list("label", "source").distinct().values_list("label", "source")
    )
    assert set(ExpertLabel.objects.values_list("label", flat=True)) == {"point", "cluster"}
    assert labels["cluster"] == "XCS"


@pytest.mark.django_db
def test_the_cluster_cutout_is_centred_on_abell_907_and_decodes_exactly() -> None:
    _ingest_a907()
    cluster = Subject.objects.get(expert_labels__label="cluster")
    assert cluster.ra == pytest.approx(149.59163, abs=1e-4)
    assert cluster.dec == pytest.approx(-11.06424, abs=1e-4)
    assert cluster.metadata["exposure_s"] > 1000  # read from the exposure map at the source

    cutout = cluster.cutouts.get(band="xray")
    assert (cutout.width, cutout.height) == (64, 64)
    assert cutout.pixel_scale_arcsec == pytest.approx(4.35, abs=0.05)
    with default_storage.open(cutout.data_file.name) as handle:
        values = decode_viewer_array(handle.read(), cutout.viewer_meta)
    # The brightest part of an extended cluster sits near the middle of its cutout.
    peak_row, peak_col = np.unravel_index(np.nanargmax(values), values.shape)
    assert abs(peak_row - 32) < 12
    assert abs(peak_col - 32) < 12
    with default_storage.open(cutout.preview.name) as handle:
        assert Image.open(handle).size == (64, 64)


@pytest.mark.django_db
def test_re_running_an_ingestion_adds_nothing_twice(settings: Any) -> None:
    first = _ingest_a907()
    files_after_first = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())

    second = _ingest_a907()

    assert (first.created, second.created, second.skipped) == (16, 0, 16)
    assert Subject.objects.count() == 16
    assert (
        sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files_after_first
    )


@pytest.mark.django_db
def test_the_gzipped_a1835_pps_image_is_ingested_from_pixel_positions(tmp_path: Path) -> None:
    # Keep the pixel columns only, so positions go through the image's WCS.
    rows = (A1835 / "sources.csv").read_text().splitlines()
    header = rows[0].split(",")
    keep = [header.index(c) for c in ("x_pix", "y_pix", "label")]
    pixel_list = tmp_path / "a1835_pixels.csv"
    pixel_list.write_text("\n".join(",".join(r.split(",")[i] for i in keep) for r in rows) + "\n")

    job = ingest_run(
        kind=SubjectSet.Kind.XMM_FIELD,
        source=A1835 / "P0098010101M2U009IMAGE_3000.FTZ",
        options={"set_name": "XMM Abell 1835", "sources": str(pixel_list), "size": 64},
        workers=1,
    )

    assert job.created == 27
    cluster = Subject.objects.get(expert_labels__label="cluster")
    # The source list's cluster row is A1835's MCXC centre (210.2588, 2.8786).
    assert cluster.ra == pytest.approx(210.2588, abs=0.01)
    assert cluster.dec == pytest.approx(2.8786, abs=0.01)


@pytest.mark.django_db
def test_labels_record_who_made_the_source_list() -> None:
    call_command(
        "ingest", "field", str(A1835 / "P0098010101M2U009IMAGE_3000.FTZ"), "--set", "A1835",
        "--sources", str(A1835 / "sources.csv"), "--truth-source", "KIPAC point sources + MCXC",
        "--evaluation-only", "--size", "64", "--workers", "1", verbosity=0,
    )  # fmt: skip
    sources = set(ExpertLabel.objects.values_list("source", flat=True))
    assert sources == {"KIPAC point sources + MCXC"}  # not "XCS": XCS never looked at this field
