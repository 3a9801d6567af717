"""Playwright in Debian's Chromium (never a downloaded browser) against pytest-django's live server."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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


# The learning tests' workflow of labelled, ingested candidates, for the model page test.
from tests.learning.conftest import labelled_workflow  # noqa: E402, F401
