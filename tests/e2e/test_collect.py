"""In a real browser: a signed-in volunteer favourites the subject on the classify page, puts it in a new
collection from the same control, and finds the collection with the subject on the Collect page."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.classify.models import Workflow
from hunt.collect.models import Collection
from tests.e2e.pages import open_classifier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workflow(survey_workflow: Callable[[int], Workflow]) -> Workflow:
    return survey_workflow(4)


def test_a_volunteer_collects_the_subject_on_screen_into_a_new_collection(
    page: Page,
    live_server: Any,
    workflow: Workflow,
    volunteer: Any,
    log_in: Callable[[Any, Any], None],
) -> None:
    log_in(page, volunteer)
    subject_id = open_classifier(page, live_server)
    classifier = page.locator("#classifier")

    favourite = page.get_by_role("button", name="Favourite")
    expect(favourite).to_be_enabled()
    favourite.click()
    expect(favourite).to_have_attribute("aria-pressed", "true")

    page.locator(".collect-menu summary").click()
    page.get_by_label("New collection").fill("Odd arcs")
    page.get_by_role("button", name="Create & add").click()
    status = page.locator("[data-collect-status]")
    expect(status).to_have_text(f"Created “Odd arcs” with subject {subject_id}.")
    expect(page.get_by_role("checkbox", name="Odd arcs")).to_be_checked()

    collection = Collection.objects.get(title="Odd arcs", is_public=False)
    assert list(collection.items.values_list("subject_id", flat=True)) == [int(subject_id)]

    # Moving on, the control follows the classifier to the next subject, which is in no collection yet.
    page.locator("button.answer[data-answer='galaxy']").click()
    page.get_by_role("button", name="Done", exact=True).click()
    expect(classifier).not_to_have_attribute("data-subject-id", subject_id)
    expect(classifier).to_have_attribute("data-state", "ready")
    expect(favourite).to_have_attribute("aria-pressed", "false")
    expect(favourite).to_be_enabled()

    page.goto(f"{live_server.url}/collect/")
    mine = page.locator("#my-collections")
    expect(mine).to_contain_text("Odd arcs")
    expect(mine).to_contain_text("Favourites")
    mine.get_by_role("link", name="Odd arcs").click()
    expect(page.get_by_role("heading", name="Odd arcs")).to_be_visible()
    subjects = page.locator("#collection-subjects")
    expect(subjects).to_contain_text(f"Subject {subject_id}")
    expect(subjects.get_by_role("link").first).to_have_attribute(
        "href", f"/talk/subjects/{subject_id}/"
    )

    # On the subject's Talk page the same control knows the subject is a favourite, and can undo it.
    subjects.get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server.url}/talk/subjects/{subject_id}/")
    talk_favourite = page.get_by_role("button", name="Favourite")
    expect(talk_favourite).to_have_attribute("aria-pressed", "true")
    talk_favourite.click()
    expect(talk_favourite).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-collect-status]")).to_have_text(
        f"Subject {subject_id} removed from your Favourites."
    )
    assert not Collection.objects.filter(
        is_favourites=True, items__subject_id=int(subject_id)
    ).exists()
