"""Playwright in Debian's Chromium (never a downloaded browser) against pytest-django's live server."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hunt.classify.models import Workflow
from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import SubjectSet
from tests.builders import build_candidate_folder

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: apt-get install -y chromium (make test's preflight says so)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        # The machine's network is closed: Chromium's background calls would only produce noise.
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def log_in(live_server: Any, password: str) -> Callable[[Any, Any], None]:
    """Log a user in through the real log-in form."""

    def _log_in(page: Any, user: Any) -> None:
        page.goto(f"{live_server.url}/accounts/log-in/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")

    return _log_in


@pytest.fixture
def survey_workflow(tmp_path: Path) -> Callable[[int], Workflow]:
    """The active "hunt" workflow with `count` real ingested FITS candidates."""

    def make(count: int) -> Workflow:
        # Transactional tests start from flushed tables (no migration data): make the workflow before
        # ingestion adds the new set to it.
        workflow, _ = Workflow.objects.update_or_create(
            slug="hunt",
            defaults={
                "name": "The Hunt",
                "retirement_rules": [],
                "active": True,
            },
        )
        Workflow.objects.exclude(pk=workflow.pk).update(active=False)
        ingest_run(
            kind=SubjectSet.Kind.CANDIDATE_FITS,
            source=build_candidate_folder(tmp_path / "candidates", count),
            # Not gold: the volunteer's flow here has no feedback pauses (tests that want gold make it so).
            options={"set_name": "E2E survey", "evaluation_only": True},
            workers=1,
        )
        return workflow

    return make


# The learning tests' workflow of labelled, ingested candidates, for the model page test.
from tests.learning.conftest import labelled_workflow  # noqa: E402, F401
