"""In a real browser: an admin opens the latent map, recolours it, box-selects the clusters, opens one, and
sends the anomaly queue to volunteers."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.similarity.models import AnomalySet
from tests.similarity.conftest import build_latent_survey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_latent_map_selects_lists_and_opens_subjects(
    page: Page, live_server: Any, admin: Any, log_in: Callable[[Page, Any], None]
) -> None:
    survey = build_latent_survey(40, outliers=0)
    clusters = {pk for pk, c in zip(survey.ids, survey.is_cluster, strict=True) if c}
    log_in(page, admin)
    page.goto(f"{live_server.url}/science/")
    page.get_by_role("link", name="Latent space").click()
    expect(page.locator("#latent-status")).to_have_text("40 subjects")
    page.get_by_label("Colour by").select_option("expert_class")
    expect(page.locator("#latent-legend")).to_contain_text("cluster_low_z")
    expect(page.locator("#latent-legend")).to_contain_text("point")

    box = page.locator("#latent-map").bounding_box()
    assert box is not None
    # The whole map: every subject.
    page.mouse.move(box["x"] + 1, box["y"] + 1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] - 1, steps=5)
    page.mouse.up()
    expect(page.locator("#selection-count")).to_have_text("(40)")
    # The right half: the first principal axis separates clusters (positive) from point sources.
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] - 1, steps=5)
    page.mouse.up()
    expect(page.locator("#selection-count")).to_have_text("(20)")
    links = page.locator("#latent-selection a")
    listed = {int(text.split()[-1]) for text in links.all_inner_texts()}
    assert listed == clusters
    expect(page.locator("#latent-selection")).not_to_contain_text("point")
    first = sorted(listed)[0]
    page.locator("#latent-selection a", has_text=f"Subject {first}").first.click()
    page.wait_for_url(f"{live_server.url}/talk/subjects/{first}/")
    expect(page.locator("#more-like-this")).to_be_visible()

    page.go_back()
    page.get_by_label("How many").fill("5")
    page.get_by_role("button", name="Send to volunteers").click()
    expect(page.locator("#anomaly-message")).to_contain_text("Sent 5 subjects")
    assert len(AnomalySet.objects.get().subject_ids) == 5
