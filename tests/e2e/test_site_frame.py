"""In a real browser: the home page loads, logging in shows the navigation of one's role."""

import os
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.core.models import WorkerPing
from tests.workers import running_worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_shows_the_hunt_navigation(page: Page, live_server: Any) -> None:
    page.goto(live_server.url)
    nav = page.get_by_role("navigation", name="Main")
    for item in ("About", "Classify", "Talk", "Collect"):
        expect(nav.get_by_role("link", name=item, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Science")).to_have_count(0)
    expect(nav.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Get started")).to_be_visible()


def test_a_scientist_logs_in_and_sees_science_but_not_admin(
    page: Page, live_server: Any, scientist: Any, log_in: Callable[[Page, Any], None]
) -> None:
    log_in(page, scientist)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Science")).to_be_visible()
    expect(nav.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    nav.get_by_role("link", name="Science").click()
    expect(page.get_by_role("heading", name="Science dashboard")).to_be_visible()


def test_an_admin_sees_admin_and_pings_the_worker_page(
    page: Page, live_server: Any, admin: Any, log_in: Callable[[Page, Any], None]
) -> None:
    log_in(page, admin)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Science")).to_be_visible()
    nav.get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()
    expect(page.get_by_role("button", name="Ping the worker")).to_be_enabled()


@pytest.mark.worker
def test_the_ping_table_shows_the_answer(
    page: Page, live_server: Any, admin: Any, log_in: Callable[[Page, Any], None]
) -> None:
    # Issue 18: the answer appeared above the table, which kept the page's old rows until a reload.
    log_in(page, admin)
    with running_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")):
        page.goto(f"{live_server.url}/operations/")
        expect(page.locator("#worker-pings")).to_contain_text("No pings yet.")
        page.get_by_role("button", name="Ping the worker").click()
        expect(page.locator("#worker-ping-result")).to_contain_text(
            "Answered by worker", timeout=30_000
        )
    ping = WorkerPing.objects.get()
    row = page.locator(f'#worker-pings tr[data-ping-id="{ping.pk}"]')
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text(f"pid {ping.worker_pid}")
    expect(row).to_contain_text(" ms")
    expect(page.locator("#worker-pings")).not_to_contain_text("No pings yet.")


def test_the_menu_folds_on_a_phone(page: Page, live_server: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    classify = page.get_by_role("navigation", name="Main").get_by_role("link", name="Classify")
    expect(classify).to_be_hidden()
    menu.click()
    expect(classify).to_be_visible()
    classify.click()
    expect(page.get_by_role("heading", name="Classify")).to_be_visible()
