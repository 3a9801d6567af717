"""Issue 18: no main page of any role is wider than a 390 px phone (tables scroll inside their own box), and the
admin's Subject page fits a 1,366 px laptop."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize

from hunt.evaluation.services import evaluation_run_create, evaluation_run_execute
from hunt.exports.models import ExportJob
from hunt.subjects.models import Cutout, ExpertLabel, Subject
from tests.e2e.test_evaluation_dashboard import CATALOGUE, SUBJECTS
from tests.evaluation.builders import crafted_survey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
PAGES = {
    "volunteer": ["/classify/", "/classify/mine/", "/talk/"],
    "scientist": ["/science/evaluation/", "/science/model/", "/science/export/"],
    "admin": ["/operations/"],
}

# What sticks out, for the failure message: the widest elements that end past the viewport.
WIDEST = """() => {
  const clipped = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')].filter((e) => !clipped(e))
    .map((e) => [e.getBoundingClientRect().right, e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className])
    .filter(([right]) => right > window.innerWidth + 1).sort((a, b) => b[0] - a[0]).slice(0, 8);
}"""


def _width(page: Page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def _world(tmp_path: Path) -> None:
    """An evaluated run (threshold table), a finished export (jobs table), a classified subject (mine)."""
    workflow, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all",
        bootstrap_resamples=50, queue=False,
    )  # fmt: skip
    evaluation_run_execute(run.pk)
    ExportJob.objects.create(
        kind="classifications", layout="panoptes", file_format="csv", filters={},
        status=ExportJob.Status.SUCCEEDED, row_count=12345, finished_at=timezone.now(),
        file_name="cluster-hunt-classifications-panoptes-20261201T120000Z.csv", sha256="ab" * 32,
    )  # fmt: skip


def test_no_main_page_is_wider_than_a_phone(
    page: Page,
    live_server: Any,
    volunteer: Any,
    scientist: Any,
    admin: Any,
    log_in: Callable[[Page, Any], None],
    tmp_path: Path,
) -> None:
    _world(tmp_path)
    page.set_viewport_size(PHONE)
    wide: dict[str, Any] = {}
    for role, user in (("volunteer", volunteer), ("scientist", scientist), ("admin", admin)):
        page.context.clear_cookies()
        log_in(page, user)
        for path in PAGES[role]:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            scroll, inner = _width(page)
            if scroll > inner:
                wide[path] = (scroll, page.evaluate(WIDEST))
    assert wide == {}


def test_the_admin_subject_page_fits_a_laptop(
    page: Page, live_server: Any, admin: Any, log_in: Callable[[Page, Any], None], tmp_path: Path
) -> None:
    _world(tmp_path)
    subject = Subject.objects.order_by("pk").first()
    assert subject is not None
    for band in ("xray", "optical"):
        Cutout.objects.create(
            subject=subject, band=band, width=256, height=256, pixel_scale_arcsec=1.6,
            data_file=f"cutouts/crafted/{'f' * 40}/{band}.u16",
            preview=f"cutouts/crafted/{'f' * 40}/{band}.png",
            viewer_meta={"width": 256, "height": 256, "vmin": 0.0, "vmax": 1.0, "zscale": [0.1, 0.9]},
        )  # fmt: skip
    ExpertLabel.objects.create(
        subject=subject, source="experts", label="point", notes="A long note. " * 20, role="gold"
    )
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, admin)
    page.goto(f"{live_server.url}/admin/subjects/subject/{subject.pk}/change/")
    scroll, inner = _width(page)
    cells = page.evaluate(
        "() => [...document.querySelectorAll('tr.form-row td, tr.form-row th')].map("
        "(c) => [c.className, Math.round(c.getBoundingClientRect().width), c.innerHTML.slice(0, 80)])"
    )
    assert scroll <= inner, " ".join(f"{c[0]}={c[1]}" for c in cells)
