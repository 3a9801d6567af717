"""In a real browser: an anonymous volunteer classifies with the mouse and the keyboard, adjusts the viewer,
opens the field guide, and never sees a subject twice; the page works at phone size."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.classify.models import Classification, Workflow
from tests.e2e.pages import open_classifier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workflow(survey_workflow: Callable[[int], Workflow]) -> Workflow:
    return survey_workflow(14)


def _current(page: Page) -> str:
    value = page.locator("#classifier").get_attribute("data-subject-id")
    assert value
    return value


def _wait_for_next(page: Page, previous: str) -> str:
    classifier = page.locator("#classifier")
    expect(classifier).to_have_attribute("data-state", "ready")
    expect(classifier).not_to_have_attribute("data-subject-id", previous)
    return _current(page)


def test_an_anonymous_volunteer_classifies_ten_subjects_never_seeing_one_twice(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    open_classifier(page, live_server)
    seen = [_current(page)]
    for _ in range(5):  # with the mouse
        page.locator("button.answer[data-answer='galaxy']").click()
        page.get_by_role("button", name="Done", exact=True).click()
        seen.append(_wait_for_next(page, seen[-1]))
    for index in range(5):  # with the keyboard: 1-5 answers, Enter = Done
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press(str(index + 1))
        page.keyboard.press("Enter")
        seen.append(_wait_for_next(page, seen[-1]))

    assert len(set(seen)) == len(seen)
    expect(page.locator("#session-count")).to_have_text("10")
    stored = Classification.objects.all()
    assert stored.count() == 10
    assert stored.values("subject").distinct().count() == 10
    assert stored.filter(answer="cluster", redshift="low").count() == 1  # key 1
    assert stored.filter(answer="cluster", redshift="high").count() == 1  # key 2
    assert stored.filter(answer="galaxy").count() == 6


def test_stretch_flip_and_field_guide_work_in_the_browser(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    open_classifier(page, live_server)
    canvas = page.locator("canvas[data-band='xray']")
    width = int(canvas.evaluate("c => c.width"))
    height = int(canvas.evaluate("c => c.height"))
    probe = f"window.clusterHuntViewer.pixelAt('xray', {width // 2}, {height // 2})"
    before = page.evaluate(probe)

    page.wait_for_load_state("networkidle")  # the next subject has been preloaded
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_label("Invert X-ray").check()
    inverted = page.evaluate(probe)
    page.get_by_label("X-ray stretch").select_option("linear")
    page.get_by_label("X-ray limits").select_option("minmax")
    assert inverted != before
    assert requests == []  # stretch changes are computed in the browser

    page.get_by_role("button", name="Single panel").click()
    page.get_by_role("button", name="Flip bands").click()
    expect(page.locator("[data-panel='optical']")).to_be_visible()

    page.get_by_role("button", name="Need help?").click()
    guide = page.locator("dialog#field-guide")
    expect(guide).to_be_visible()
    expect(guide).to_contain_text("Point source")
    page.keyboard.press("Escape")
    expect(guide).to_be_hidden()

    page.locator("button.answer[data-answer='point']").click()
    page.get_by_role("button", name="Done", exact=True).click()
    expect(page.locator("#session-count")).to_have_text("1")
    state = Classification.objects.get().viewer_state
    assert state["bands"]["xray"]["invert"] is True
    assert state["bands"]["xray"]["stretch"] == "linear"


def test_the_tutorial_shows_once_and_the_page_works_on_a_phone(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/classify/")
    tutorial = page.locator("dialog#tutorial")
    expect(tutorial).to_be_visible()
    tutorial.get_by_role("button", name="Skip tutorial").click()
    expect(tutorial).to_be_hidden()
    expect(page.locator("#classifier")).to_have_attribute("data-state", "ready", timeout=15_000)

    first = _current(page)
    no_sideways_scroll = page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    )
    assert no_sideways_scroll
    answer = page.locator("button.answer[data-answer='other']")
    box = answer.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    answer.click()
    page.get_by_role("button", name="Done", exact=True).click()
    _wait_for_next(page, first)

    page.reload()
    expect(page.locator("#classifier")).to_have_attribute("data-state", "ready", timeout=15_000)
    expect(tutorial).to_be_hidden()
