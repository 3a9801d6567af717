"""In a real browser, what a volunteer reads in the viewer: smoothed and denoised X-ray, contours that
noise does not draw, a scale bar and sky coordinates, hatched no-exposure areas, a flip that keeps the
layout, and on a phone the answers right under the first image with side by side as a swipe."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits
from playwright.sync_api import Page, ViewportSize, expect

from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.services import subject_gold_label_refresh
from hunt.subjects.labels import TruthRole
from hunt.subjects.models import Cutout, ExpertLabel, Subject
from tests.e2e.pages import open_classifier

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP: ViewportSize = {"width": 1366, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def workflow(survey_workflow: Callable[[int], Workflow]) -> Workflow:
    return survey_workflow(4)


def _xray_pixels(page: Page) -> list[int]:
    """Grey levels on a coarse grid of the X-ray canvas, as drawn."""
    return page.evaluate(
        """() => {
          const c = document.querySelector("canvas[data-band='xray']");
          const out = [];
          for (let i = 1; i < 12; i += 1) for (let j = 1; j < 12; j += 1)
            out.push(window.clusterHuntViewer.pixelAt('xray', c.width * i / 12, c.height * j / 12));
          return out;
        }"""
    )


def test_smoothing_is_on_by_default_and_switching_it_or_the_denoised_preview_changes_the_pixels(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    page.set_viewport_size(DESKTOP)
    open_classifier(page, live_server)
    expect(page.get_by_label("X-ray smoothing", exact=True)).to_have_value("gaussian")
    smoothed = _xray_pixels(page)

    page.wait_for_load_state("networkidle")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_label("X-ray smoothing", exact=True).select_option("none")
    raw = _xray_pixels(page)
    assert raw != smoothed
    # Smoothing removes pixel-to-pixel noise: neighbouring samples differ less.
    assert np.std(np.diff(smoothed)) < np.std(np.diff(raw))

    page.get_by_label("X-ray smoothing", exact=True).select_option("adaptive")
    adaptive = _xray_pixels(page)
    assert adaptive not in (raw, smoothed)
    assert requests == []  # smoothing is computed in the browser

    page.get_by_label("X-ray smoothing", exact=True).select_option("gaussian")
    page.get_by_label("X-ray smoothing width (pixels)").fill("4")
    wider = _xray_pixels(page)
    assert wider != smoothed

    toggle = page.get_by_label("Denoised preview (visual aid)")
    expect(toggle).to_be_visible()
    toggle.check()
    denoised = _xray_pixels(page)
    assert denoised not in (raw, smoothed, wider)
    expect(page.get_by_label("X-ray smoothing", exact=True)).to_be_disabled()


def test_subjects_ingested_without_a_denoised_preview_hide_the_toggle(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    Cutout.objects.filter(band="xray").update(denoised_file="")
    page.set_viewport_size(DESKTOP)
    open_classifier(page, live_server)
    expect(page.get_by_label("Denoised preview (visual aid)")).to_be_hidden()
    expect(page.get_by_label("X-ray smoothing", exact=True)).to_be_enabled()


def test_contours_start_three_sigma_above_the_background_and_pure_noise_draws_none(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    page.set_viewport_size(DESKTOP)
    open_classifier(page, live_server)
    page.get_by_role("button", name="Contours").click()
    # The test candidates hold a bright square on a 0.3-count background.
    significances = page.evaluate("window.clusterHuntViewer.contourSignificances()")
    assert significances
    assert min(significances) >= 3

    noise_levels = page.evaluate(
        """async () => {
          const s = await import('/static/js/classify/smoothing.js');
          let seed = 42;
          const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
          const poisson = (mean) => { let k = 0, p = Math.exp(-mean), sum = p, u = random();
            while (u > sum) { k += 1; p *= mean / k; sum += p; } return k; };
          const raw = Float32Array.from({ length: 128 * 128 }, () => poisson(0.3));
          const field = s.gaussian(raw, 128, 128, 1.5);
          const counts = s.looksLikeCounts(raw);
          return s.significanceLevels(field, 1.5, { counts, raw, width: 128, height: 128 }).length;
        }"""
    )
    assert noise_levels == 0


def test_the_scale_bar_matches_the_pixel_scale_and_follows_the_zoom(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    page.set_viewport_size(DESKTOP)
    open_classifier(page, live_server)
    for band, pixel_scale, pixels in (("xray", 4.0, 64), ("optical", 2.0, 128)):
        bar = page.locator(f"[data-panel='{band}'] [data-scale-bar]")
        expect(bar).to_be_visible()
        canvas_width = page.locator(f"canvas[data-band='{band}']").evaluate("c => c.clientWidth")
        arcsec = float(bar.get_attribute("data-arcsec") or 0)
        line = bar.locator("[data-scale-line]").bounding_box()
        assert line is not None
        expected = arcsec / pixel_scale * canvas_width / pixels
        assert line["width"] == pytest.approx(expected + 2, abs=1.0)  # +2: the line's border
        label = bar.locator("[data-scale-label]").inner_text()
        minutes, seconds = "\u2032", "\u2033"
        assert label == (f"{arcsec / 60:g}{minutes}" if arcsec >= 60 else f"{arcsec:g}{seconds}")

    before = float(
        page.locator("[data-panel='xray'] [data-scale-bar]").get_attribute("data-arcsec") or 0
    )
    page.get_by_role("button", name="Zoom in").click()
    page.get_by_role("button", name="Zoom in").click()
    after = float(
        page.locator("[data-panel='xray'] [data-scale-bar]").get_attribute("data-arcsec") or 0
    )
    assert after < before


def test_hovering_shows_the_sky_position_and_facts_show_the_observation(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    page.set_viewport_size(DESKTOP)
    subject = Subject.objects.get(pk=open_classifier(page, live_server))
    assert subject.ra is not None
    assert subject.dec is not None
    canvas = page.locator("canvas[data-band='xray']")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    readout = page.locator("[data-sky-readout]")
    expect(readout).to_contain_text("RA ")
    ra, dec = (
        float(v) for v in readout.inner_text().split("(")[1].rstrip(")").replace("°", "").split(",")
    )
    assert ra == pytest.approx(subject.ra, abs=0.002)
    assert dec == pytest.approx(subject.dec, abs=0.002)
    # A quarter of the field to the right is east-west offset 16 pixels x 4": RA decreases to the right.
    page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    ra_right = float(readout.inner_text().split("(")[1].split("°")[0])
    offset_arcsec = (subject.ra - ra_right) * 3600 * np.cos(np.radians(subject.dec))
    assert offset_arcsec == pytest.approx(16 * 4.0, abs=2.0)

    facts = page.locator("#subject-facts")
    expect(facts).to_contain_text("F1")
    expect(facts).to_contain_text("15.0 ks")


def test_no_exposure_areas_are_hatched_and_explained(
    page: Page,
    live_server: Any,
    survey_workflow: Callable[[int], Workflow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tests.e2e.conftest as e2e_conftest

    original = e2e_conftest.build_candidate_folder

    def with_gap(root: Path, count: int = 4, **options: Any) -> Path:
        folder = original(root, count, **options)
        for path in sorted((folder / "candidates").glob("*.fits")):
            with fits.open(path) as hdul:
                exposure = np.full((64, 64), 15000.0, np.float32)
                exposure[:, 44:52] = 0.0  # a chip gap, in FITS columns
                hdus = [h.copy() for h in hdul]
            hdus.append(fits.ImageHDU(exposure, header=hdus[1].header, name="EXPOSURE"))
            fits.HDUList(hdus).writeto(path, overwrite=True)
        return folder

    monkeypatch.setattr(e2e_conftest, "build_candidate_folder", with_gap)
    survey_workflow(2)
    page.set_viewport_size(DESKTOP)
    open_classifier(page, live_server)
    legend = page.locator("[data-missing-legend]")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("no exposure")
    width = int(page.locator("canvas[data-band='xray']").evaluate("c => c.width"))
    height = int(page.locator("canvas[data-band='xray']").evaluate("c => c.height"))
    # Along a row inside the gap the hatching alternates between two greys.
    x0 = width * 45 / 64
    greys = {
        page.evaluate(f"window.clusterHuntViewer.pixelAt('xray', {x0 + dx}, {height // 2})")
        for dx in range(0, int(width * 6 / 64))
    }
    assert len(greys) >= 2


def test_flip_keeps_the_side_by_side_layout_for_this_and_the_next_subject(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    page.set_viewport_size(DESKTOP)
    first = open_classifier(page, live_server)
    panels = page.locator(".panels")
    xray = page.locator("[data-panel='xray']")
    before = xray.bounding_box()
    assert before is not None
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Space")
    expect(panels).to_have_attribute("data-layout", "side")
    expect(panels).to_have_attribute("data-swapped", "true")
    after = xray.bounding_box()
    assert after is not None
    assert after["x"] > before["x"]  # the X-ray panel moved to the right
    page.keyboard.press("b")
    expect(panels).to_have_attribute("data-swapped", "false")

    page.keyboard.press("3")
    page.keyboard.press("Enter")
    expect(page.locator("#classifier")).not_to_have_attribute("data-subject-id", first)
    expect(page.locator("#classifier")).to_have_attribute("data-state", "ready")
    expect(panels).to_have_attribute("data-layout", "side")
    expect(page.get_by_role("button", name="Side by side")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_on_a_phone_the_answers_sit_under_the_first_image_and_side_by_side_is_a_swipe(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    page.set_viewport_size(PHONE)
    open_classifier(page, live_server)
    assert page.evaluate("window.scrollY") == 0
    image = page.locator("[data-panel='xray'] .panel-frame").bounding_box()
    assert image is not None
    for button in [
        *page.locator("button.answer").all(),
        page.get_by_role("button", name="Done", exact=True),
    ]:
        box = button.bounding_box()
        assert box is not None
        assert box["y"] >= image["y"] + image["height"]  # below the image, not on it
        assert box["y"] + box["height"] <= PHONE["height"]  # within the first screen
        assert box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    panels = page.locator(".panels")
    assert panels.evaluate(
        "p => p.scrollWidth > p.clientWidth + 50"
    )  # the optical panel is a swipe away
    panels.evaluate("p => p.scrollTo({ left: p.scrollWidth })")
    optical = page.locator("[data-panel='optical'] .panel-frame").bounding_box()
    assert optical is not None
    assert 0 <= optical["x"] < PHONE["width"] / 2
    page.get_by_role("button", name="Flip bands").click()
    expect(panels).to_have_attribute("data-layout", "side")


def test_gold_feedback_appears_on_its_own_subject_until_the_volunteer_moves_on(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    Workflow.objects.filter(pk=workflow.pk).update(hidden_gold_share=0.0)
    ExpertLabel.objects.update(role=TruthRole.GOLD)
    SubjectStatus.objects.filter(workflow=workflow).update(is_gold=True)
    # Queryset updates send no signal: give the status rows their gold answer as a label edit would.
    for subject_id in SubjectStatus.objects.filter(workflow=workflow).values_list(
        "subject_id", flat=True
    ):
        subject_gold_label_refresh(subject_id=subject_id)
    page.set_viewport_size(DESKTOP)
    first = open_classifier(page, live_server)
    page.locator("button.answer[data-answer='other']").click()
    page.get_by_role("button", name="Done", exact=True).click()

    feedback = page.locator("#feedback")
    expect(feedback).to_contain_text("The experts say")
    classifier = page.locator("#classifier")
    expect(classifier).to_have_attribute("data-subject-id", first)  # still the subject it is about
    page.get_by_role("button", name="Next subject").click()
    expect(classifier).not_to_have_attribute("data-subject-id", first)
    expect(classifier).to_have_attribute("data-state", "ready")
    expect(feedback).to_have_text("")


def test_field_guide_examples_are_drawn_like_the_viewer_and_say_how_high_z_differs(
    page: Page, live_server: Any, workflow: Workflow
) -> None:
    Workflow.objects.filter(pk=workflow.pk).update(ask_redshift=True)
    ExpertLabel.objects.update(role=TruthRole.GOLD)  # the field guide shows gold subjects only
    page.set_viewport_size(DESKTOP)
    open_classifier(page, live_server)
    page.get_by_role("button", name="Need help?").click()
    guide = page.locator("dialog#field-guide")
    expect(guide.locator(".guide-entry").nth(1)).to_contain_text("smaller and fainter")
    example = guide.locator("[data-example-subject]").first
    expect(example).to_have_attribute("data-drawn", "true")
    drawn = example.locator("canvas[data-example-band='xray']").evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let lo = 255, hi = 0; for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
                  return hi - lo; }"""
    )
    assert drawn > 100  # a real image from the subject's data, not a blank canvas


def test_my_classifications_empty_state_reads_as_one_line_on_a_phone(
    page: Page, live_server: Any
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/classify/mine/")
    empty = page.locator("p.empty-state")
    expect(empty).to_contain_text("Nothing yet")
    box = empty.bounding_box()
    assert box is not None
    assert box["height"] < 40
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
