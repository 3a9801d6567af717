"""In a real browser: a scientist streams the flat classifications CSV from the Export page, then builds the
subject table as FITS in the background, watches its progress bar finish and downloads the file."""

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from astropy.table import Table
from playwright.sync_api import Page, expect

from hunt.accounts.models import Volunteer
from hunt.classify.models import Classification, SubjectStatus, Workflow
from hunt.classify.services import classification_create
from hunt.exports.models import ExportJob
from hunt.subjects.models import Subject
from tests.workers import running_worker

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def classified(survey_workflow: Callable[[int], Workflow]) -> Workflow:
    """Three real ingested candidates; two volunteers vote on every one, so six classifications."""
    workflow = survey_workflow(3)
    statuses = SubjectStatus.objects.filter(workflow=workflow).order_by("subject_id")
    for volunteer, answers in (
        (Volunteer.objects.create(), ["cluster", "point", "galaxy"]),
        (Volunteer.objects.create(), ["cluster", "other", "galaxy"]),
    ):
        for status, answer in zip(statuses, answers, strict=True):
            classification_create(
                workflow=workflow, volunteer=volunteer, subject_id=status.subject_id,
                answer=answer, redshift="low" if answer == "cluster" else "",
                idempotency_key=uuid.uuid4(),
            )  # fmt: skip
    return workflow


def test_a_scientist_streams_the_csv_then_builds_fits_in_the_background(
    page: Page,
    live_server: Any,
    scientist: Any,
    classified: Workflow,
    log_in: Callable[[Page, Any], None],
    tmp_path: Path,
) -> None:
    expected_ids = sorted(Classification.objects.values_list("pk", flat=True))
    assert len(expected_ids) == 6
    subject_count = Subject.objects.count()
    assert subject_count == 3

    log_in(page, scientist)
    with running_worker(
        os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"), queues=("default",)
    ):
        page.goto(f"{live_server.url}/science/export/")
        expect(page.get_by_role("heading", name="Export labels")).to_be_visible()

        # 1. The flat classifications CSV, streamed straight away.
        page.get_by_label("Export", exact=True).select_option("classifications")
        page.get_by_label("Layout").select_option("flat")
        with page.expect_download() as streamed:
            page.get_by_role("button", name="Download CSV now").click()
        csv_path = tmp_path / "classifications.csv"
        streamed.value.save_as(csv_path)
        frame = pd.read_csv(csv_path)
        assert len(frame) == len(expected_ids)
        assert sorted(frame["classification_id"].tolist()) == expected_ids

        # 2. The subject table as FITS, built by the worker behind a progress bar.
        page.get_by_label("Export", exact=True).select_option("subjects")
        page.get_by_label("File format").select_option("fits")
        expect(page.get_by_role("button", name="Download CSV now")).to_be_disabled()
        page.get_by_role("button", name="Build file in the background").click()
        expect(page.locator("#export-message")).to_contain_text("queued")
        job = ExportJob.objects.get()
        assert (job.kind, job.file_format) == ("subjects", "fits")
        row = page.locator(f'#export-jobs tr[data-job-id="{job.pk}"]')
        expect(row).to_have_attribute("data-status", "succeeded", timeout=30_000)
        expect(page.get_by_label(f"Export {job.pk} progress")).to_have_js_property("value", 100)
        with page.expect_download() as built:
            row.locator(".job-file a").click()
    fits_path = tmp_path / "subjects.fits"
    built.value.save_as(fits_path)
    assert built.value.suggested_filename.endswith(".fits")
    assert len(Table.read(fits_path)) == subject_count
