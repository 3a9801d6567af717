"""In a real browser: an admin measures the subjects' morphology from Science > Morphology (the job runs on a
real worker, its progress bar shown), the c-w plot fills in, and a point opens its subject's Talk page with the
morphology shown."""

import os
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.morphology.models import MorphologyRun, SubjectMorphology
from tests.morphology.conftest import (  # noqa: F401  (the fixtures)
    Survey,
    ingested_survey,
    morphology_survey_folder,
)
from tests.workers import running_worker

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_admin_measures_and_the_plot_links_to_subjects(
    page: Page,
    live_server: Any,
    admin: Any,
    log_in: Callable[[Page, Any], None],
    ingested_survey: Survey,  # noqa: F811
) -> None:
    ingested_survey()
    log_in(page, admin)
    page.goto(f"{live_server.url}/science/")
    page.get_by_role("link", name="Morphology").click()
    expect(page.locator("#morphology-empty")).to_be_visible()
    with running_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")):
        page.get_by_role("button", name="Measure subjects not yet measured").click()
        expect(page.locator("#morphology-progress")).to_be_visible()
        # The page reloads once the run succeeded: the plot has its points.
        expect(page.locator(".morphology-point").first).to_be_attached(timeout=240_000)
    assert MorphologyRun.objects.get().status == MorphologyRun.Status.SUCCEEDED
    points = page.locator(".morphology-point")
    assert points.count() >= 1
    expect(page.locator("#morphology-plot")).to_contain_text("c = 0.155")
    subject = int(points.first.get_attribute("data-subject") or 0)
    assert SubjectMorphology.objects.filter(subject_id=subject, status="ok").exists()
    page.goto(f"{live_server.url}/talk/subjects/{subject}/")
    expect(page.locator("#subject-morphology")).to_be_visible()
    expect(page.locator("#morphology-c")).to_contain_text("±")
