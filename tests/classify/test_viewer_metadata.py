"""What the viewer gets with a subject: the denoised preview (when ingested with one), pixel scales,
exposure, and hatched no-exposure areas from the exposure map."""

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import Cutout, Subject, SubjectSet
from ml.render import decode_viewer_array
from tests.builders import build_candidate_folder

pytestmark = pytest.mark.django_db


def _detail(subject: Subject) -> dict:
    response = Client().get(reverse("api-subject-detail", args=[subject.pk]))
    assert response.status_code == 200
    return response.json()


def _ingest(folder: Path) -> None:
    ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": "S"}, workers=1
    )


def test_a_new_subject_comes_with_a_denoised_xray_preview_and_its_facts(tmp_path: Path) -> None:
    _ingest(build_candidate_folder(tmp_path, 2))
    body = _detail(Subject.objects.earliest("id"))

    xray = body["bands"]["xray"]
    denoised = xray["denoised"]
    assert denoised is not None
    assert "denoised" not in xray["meta"]  # its decoding metadata travels with it, not the raw band
    assert (denoised["meta"]["width"], denoised["meta"]["height"]) == (64, 64)
    assert body["bands"]["optical"]["denoised"] is None
    assert xray["pixel_scale_arcsec"] == pytest.approx(4.0)
    assert body["bands"]["optical"]["pixel_scale_arcsec"] == pytest.approx(2.0)
    assert body["metadata"]["exposure_s"] == 15000.0

    cutout = Cutout.objects.get(subject_id=body["id"], band="xray")
    with default_storage.open(cutout.denoised_file.name) as handle:
        smooth = decode_viewer_array(handle.read(), denoised["meta"])
    with default_storage.open(cutout.data_file.name) as handle:
        raw = decode_viewer_array(handle.read(), xray["meta"])
    assert smooth.std() < raw.std()


def test_subjects_ingested_before_the_denoiser_simply_have_none(tmp_path: Path) -> None:
    _ingest(build_candidate_folder(tmp_path, 1))
    cutout = Cutout.objects.get(band="xray")
    cutout.denoised_file = ""
    cutout.viewer_meta.pop("denoised")
    cutout.save()
    assert _detail(cutout.subject)["bands"]["xray"]["denoised"] is None


def test_pixels_without_exposure_are_missing_in_the_xray_viewer_array(tmp_path: Path) -> None:
    folder = build_candidate_folder(tmp_path, 1)
    path = folder / "candidates" / "CH-000000.fits"
    with fits.open(path) as hdul:
        exposure = np.full((64, 64), 15000.0, np.float32)
        exposure[:, 40:44] = 0.0  # a chip gap
        hdus = [*hdul, fits.ImageHDU(exposure, header=hdul["XRAY"].header, name="EXPOSURE")]
        fits.HDUList([h.copy() for h in hdus]).writeto(path, overwrite=True)
    _ingest(folder)

    cutout = Cutout.objects.get(band="xray")
    with default_storage.open(cutout.data_file.name) as handle:
        values = decode_viewer_array(handle.read(), cutout.viewer_meta)
    assert np.isnan(values[:, 40:44]).all()
    assert np.isfinite(values[:, :40]).all()
