"""In a real browser, the issue's whole community flow: a volunteer classifies, presses "Done & Talk", looks at
the subject in the same viewer, posts a comment with a #hashtag, finds it on the tag page, goes back to the
subject, adds it to a new collection and sees it listed on Collect."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.classify.models import Classification, Workflow
from hunt.collect.models import Collection
from hunt.talk.models import Comment
from tests.e2e.pages import open_classifier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workflow(survey_workflow: Callable[[int], Workflow]) -> Workflow:
    return survey_workflow(3)


def test_done_and_talk_a_hashtag_comment_its_tag_page_then_a_new_collection(
    page: Page,
    live_server: Any,
    workflow: Workflow,
    volunteer: Any,
    log_in: Callable[[Any, Any], None],
) -> None:
    log_in(page, volunteer)
    subject_id = open_classifier(page, live_server)

    page.locator("button.answer[data-answer='galaxy']").click()
    page.get_by_role("button", name="Done & Talk").click()

    page.wait_for_url(f"{live_server.url}/talk/subjects/{subject_id}/")
    assert Classification.objects.get().subject_id == int(str(subject_id))
    # The subject's cutouts in the classify page's viewer, with its controls working here too.
    viewer = page.locator("#subject-viewer")
    expect(viewer).to_have_attribute("data-state", "ready", timeout=15_000)
    canvas = page.locator("canvas[data-band='xray']")
    width, height = int(canvas.evaluate("c => c.width")), int(canvas.evaluate("c => c.height"))
    probe = f"window.clusterHuntViewer.pixelAt('xray', {width // 2}, {height // 2})"
    before = page.evaluate(probe)
    page.get_by_label("Invert X-ray").check()
    assert page.evaluate(probe) != before

    page.get_by_label("Your comment").fill(
        "Two blobs touching: a #merger? <b onclick=alert(1)>x</b>"
    )
    page.get_by_role("button", name="Post comment").click()
    comment = page.locator("article.comment").first
    expect(comment).to_contain_text("Two blobs touching")
    expect(comment.locator("b[onclick]")).to_have_count(0)
    stored = Comment.objects.get()
    assert stored.discussion.subject_id == int(str(subject_id))

    comment.get_by_role("link", name="#merger").click()
    page.wait_for_url(f"{live_server.url}/talk/tags/merger/")
    expect(page.get_by_role("heading", name="#merger")).to_be_visible()
    tagged = page.locator(f"#comment-{stored.pk}")
    expect(tagged).to_contain_text("Two blobs touching")
    # From the tag page back to the subject's discussion.
    tagged.get_by_role("link", name=f"Subject {subject_id}").click()
    # Comment links name the comment, so a long (paginated) thread opens on the page that holds it.
    page.wait_for_url(
        f"{live_server.url}/talk/subjects/{subject_id}/?comment={stored.pk}#comment-{stored.pk}"
    )

    # From the discussion, into a new collection, which Collect then lists with the subject.
    page.locator(".collect-menu summary").click()
    page.get_by_label("New collection").fill("Mergers to follow up")
    page.get_by_role("button", name="Create & add").click()
    expect(page.locator("[data-collect-status]")).to_contain_text("Mergers to follow up")
    collection = Collection.objects.get(title="Mergers to follow up")
    assert list(collection.items.values_list("subject_id", flat=True)) == [int(str(subject_id))]
    page.goto(f"{live_server.url}/collect/")
    mine = page.locator("#my-collections")
    mine.get_by_role("link", name="Mergers to follow up").click()
    expect(page.locator("#collection-subjects")).to_contain_text(f"Subject {subject_id}")
