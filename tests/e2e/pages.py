"""Steps several browser tests share."""

from typing import Any

from playwright.sync_api import Page, expect


def open_classifier(page: Page, live_server: Any) -> str:
    """Open the classify page (tutorial already seen) and wait for a subject; returns its id."""
    page.add_init_script("localStorage.setItem('clusterHunt.tutorialSeen', '1')")
    page.goto(f"{live_server.url}/classify/")
    classifier = page.locator("#classifier")
    expect(classifier).to_have_attribute("data-state", "ready", timeout=15_000)
    subject_id = classifier.get_attribute("data-subject-id")
    assert subject_id
    return subject_id
