"""In a real browser: an admin presses Retrain, watches the progress bar move, and sees the new model."""

import os
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.classify.models import Workflow
from hunt.learning.models import TrainingRun
from hunt.learning.services import DEFAULT_PARAMS
from tests.learning.conftest import TINY
from tests.workers import running_worker

pytestmark = [pytest.mark.e2e, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_admin_retrains_and_sees_the_new_model(
    page: Page,
    live_server: Any,
    admin: Any,
    labelled_workflow: Callable[..., Workflow],
    log_in: Callable[[Page, Any], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    labelled_workflow()
    # The page's button starts a run with the defaults: make them tiny for the test.
    monkeypatch.setitem(DEFAULT_PARAMS, "epochs", 3)
    for key, value in TINY.items():
        monkeypatch.setitem(DEFAULT_PARAMS, key, value)
    log_in(page, admin)
    with running_worker(
        os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"), queues=("training",)
    ):
        page.goto(f"{live_server.url}/science/model/")
        expect(page.get_by_text("No model yet.")).to_be_visible()
        page.get_by_role("button", name="Retrain", exact=True).click()
        expect(page.locator("#live-run")).to_be_visible()
        page.wait_for_function(
            "() => Number(document.getElementById('run-progress').value) > 0", timeout=60_000
        )
        expect(page.get_by_text("Serving: model")).to_be_visible(timeout=90_000)
    assert TrainingRun.objects.get().status == TrainingRun.Status.SUCCEEDED
    expect(page.locator("#versions-table")).to_contain_text("serving")
    # Issue 18: after the reload the finished run's chart stays, with a legend and both axes named.
    expect(page.locator("#live-run")).to_be_visible()
    expect(page.locator("#loss-chart polyline[data-series='val_accuracy']")).to_have_count(1)
    expect(page.locator(".chart-legend")).to_contain_text("validation accuracy")
    expect(page.locator("#loss-chart")).to_contain_text("accuracy")
    expect(page.locator("#run-stages .stage-done")).to_have_count(5)
    # No new label since: the page says so and offers to retrain anyway instead of training an identical model.
    page.get_by_role("button", name="Retrain", exact=True).click()
    expect(page.locator("#retrain-message")).to_contain_text("no labels changed")
    expect(page.get_by_role("button", name="Retrain anyway")).to_be_visible()
    assert TrainingRun.objects.count() == 1
