"""Subjects' morphology: measured by the command and the job (on a real worker), stored per measure version,
plotted on the Science page with the reference lines, and refused clearly when asked wrongly."""

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits
from django.core.management import CommandError, call_command
from django.urls import reverse

from hunt.catalogues.models import CatalogueMatch
from hunt.morphology.models import MorphologyRun, SubjectMorphology
from hunt.morphology.selectors import plot_points
from hunt.subjects.models import Cutout, Subject
from ml.morphology import MEASURE_VERSION, MorphologyImage, measure_morphology
from tests.morphology.conftest import Survey
from tests.workers import running_worker, wait_until


@pytest.mark.django_db
def test_the_command_measures_every_subject_once_and_again_with_all(
    ingested_survey: Survey, morphology_survey_folder: Path
) -> None:
    ingested_survey()
    with_xray = set(Cutout.objects.filter(band="xray").values_list("subject_id", flat=True))
    call_command("measure_morphology")
    rows = SubjectMorphology.objects.filter(version=MEASURE_VERSION)
    assert set(rows.values_list("subject_id", flat=True)) == with_xray
    for row in rows:
        if row.status == SubjectMorphology.Status.NOT_ENOUGH_COUNTS:
            assert row.c_santos is None
            assert row.w is None
            assert row.p3p0 is None
            assert row.n_net_counts < 300
        else:
            assert row.n_net_counts >= 300
            if row.c_santos is not None:
                assert 0 < row.c_santos < 1
                assert row.c_santos_err is not None
                assert row.c_santos_err > 0
    # Catalogue clusters are measured at the catalogue's redshift; the others assume one and say so.
    matched = dict(CatalogueMatch.objects.values_list("subject_id", "entry__redshift"))
    for row in rows:
        if row.subject_id in matched:
            assert row.redshift == pytest.approx(matched[row.subject_id])
            assert not row.redshift_assumed
        else:
            assert row.redshift is None
            assert row.redshift_assumed
    # The stored row is ml.morphology on the subject's own pixels, at its catalogue redshift, with the
    # nominal exposure over the seen pixels (stored cutouts keep gaps as NaN, but no exposure map).
    for row in rows.filter(status="ok", subject_id__in=list(matched))[:3]:
        subject = Subject.objects.get(pk=row.subject_id)
        with fits.open(
            morphology_survey_folder / "candidates" / f"{subject.external_id}.fits"
        ) as hdul:
            counts = np.asarray(hdul["XRAY"].data, dtype=np.float64)
            seen = np.asarray(hdul["EXPOSURE"].data) > 0
        direct = measure_morphology(
            MorphologyImage(counts, np.where(seen, subject.metadata["exposure_s"], 0.0), 3.2),
            redshift=matched[row.subject_id],
            rng=np.random.default_rng(subject.pk),
        )
        assert row.c_santos == pytest.approx(direct.c_santos, rel=1e-6)
        assert row.w == pytest.approx(direct.w, rel=1e-6, abs=1e-12)
        assert row.n_net_counts == pytest.approx(direct.n_net_counts, abs=0.1)

    before = {r.subject_id: r.measured_at for r in rows}
    call_command("measure_morphology")  # nothing left to measure
    assert {r.subject_id: r.measured_at for r in rows.all()} == before
    call_command("measure_morphology", "--all")
    assert rows.count() == len(with_xray)  # replaced, never added twice
    assert all(r.measured_at > before[r.subject_id] for r in rows.all())


@pytest.mark.django_db
def test_the_command_refuses_unknown_subjects(ingested_survey: Survey) -> None:
    ingested_survey()
    with pytest.raises(CommandError, match="no subject with id 999999"):
        call_command("measure_morphology", "--subject", "999999")
    with pytest.raises(CommandError, match="drop --subject"):
        call_command("measure_morphology", "--queue", "--subject", "1")


@pytest.mark.django_db
def test_the_science_page_plots_catalogue_clusters_with_the_reference_lines(
    ingested_survey: Survey, scientist_client: Any, volunteer_client: Any
) -> None:
    ingested_survey()
    call_command("measure_morphology")
    points = plot_points()
    matched = set(CatalogueMatch.objects.values_list("subject_id", flat=True))
    assert points
    assert {p.subject_id for p in points if p.group == "catalogue"} <= matched
    response = scientist_client.get(reverse("morphology:science"))
    assert response.status_code == 200
    html = response.content.decode()
    for point in points:
        assert f'href="{reverse("talk:subject", args=[point.subject_id])}"' in html
    assert "c = 0.075" in html
    assert "c = 0.155" in html
    assert "w = 0.01" in html
    assert "Santos et al. 2008" in html
    assert "Pratt et al. 2009" in html
    api = scientist_client.get(reverse("api-morphology-points")).json()
    assert [p["subject"] for p in api] == [p.subject_id for p in points]
    assert volunteer_client.get(reverse("morphology:science")).status_code in (302, 403)
    assert volunteer_client.get(reverse("api-morphology-points")).status_code == 403


@pytest.mark.django_db
def test_only_admins_start_the_job_and_bad_input_is_a_400(
    scientist_client: Any, staff_client: Any
) -> None:
    url = reverse("api-morphology-runs")
    assert scientist_client.post(url, {}, content_type="application/json").status_code == 403
    bad = staff_client.post(url, {"only_missing": "perhaps"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert not MorphologyRun.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_job_measures_on_a_real_worker_with_its_progress(
    ingested_survey: Survey, staff_client: Any
) -> None:
    ingested_survey()
    n_subjects = Cutout.objects.filter(band="xray").count()
    with running_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")):
        response = staff_client.post(
            reverse("api-morphology-runs"), {"only_missing": True}, content_type="application/json"
        )
        assert response.status_code == 202, response.content
        run_id = response.json()["id"]
        # One at a time: a second request while it is active is refused.
        second = staff_client.post(
            reverse("api-morphology-runs"), {}, content_type="application/json"
        )
        assert second.status_code in (202, 409)
        if second.status_code == 409:
            assert second.json()["code"] == "morphology_run_active"
        assert wait_until(
            lambda: MorphologyRun.objects.get(pk=run_id).status not in MorphologyRun.ACTIVE,
            timeout=240,
        )
    run = MorphologyRun.objects.get(pk=run_id)
    assert run.status == MorphologyRun.Status.SUCCEEDED, run.error
    assert run.done == run.total == n_subjects
    detail = staff_client.get(reverse("api-morphology-run-detail", args=[run_id])).json()
    assert detail["percent"] == 100.0
    assert SubjectMorphology.objects.filter(version=MEASURE_VERSION).count() == n_subjects
