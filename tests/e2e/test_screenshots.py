"""Screenshots of the classify page for docs/screenshots/ (desktop and phone; a simulated and a real XMM
subject; smoothing off, on and denoised). Skipped unless CLUSTER_HUNT_SCREENSHOTS names a folder:

    CLUSTER_HUNT_SCREENSHOTS=docs/screenshots pytest tests/e2e/test_screenshots.py
"""

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from hunt.classify.models import Workflow
from hunt.classify.services import workflow_subjects_sync
from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import SubjectSet
from ml.simulate.survey import simulate_survey
from tests.builders import DATA
from tests.e2e.pages import open_classifier

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CLUSTER_HUNT_SCREENSHOTS"), reason="set CLUSTER_HUNT_SCREENSHOTS"
    ),
]

SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 800},
    "phone": {"width": 390, "height": 844},
}


def _workflow(kind: str, source: Path, **options: Any) -> Workflow:
    workflow, _ = Workflow.objects.update_or_create(
        slug="hunt",
        defaults={
            "name": "The Hunt",
            "retirement_rules": [],
            "active": True,
        },
    )
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    job = ingest_run(kind=kind, source=source, options={"set_name": "Shots", **options}, workers=1)
    assert job.subject_set is not None
    workflow.subject_sets.set([job.subject_set])
    workflow_subjects_sync(workflow=workflow)
    return workflow


@pytest.mark.parametrize("data", ["simulated", "xmm"])
def test_screenshots(page: Page, live_server: Any, tmp_path: Path, data: str) -> None:
    out = Path(os.environ["CLUSTER_HUNT_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    if data == "simulated":
        simulate_survey(tmp_path / "survey", size=12, seed=3, workers=1)
        _workflow(SubjectSet.Kind.SIMULATED, tmp_path / "survey")
    else:
        a1835 = DATA / "xmm" / "a1835"
        _workflow(
            SubjectSet.Kind.XMM_FIELD,
            a1835 / "P0098010101M2U009IMAGE_3000.FTZ",
            sources=str(a1835 / "sources.csv"),
            exposure_map=str(a1835 / "P0098010101M2U009EXPMAP3000.FTZ"),
        )
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        open_classifier(page, live_server)
        smoothing = page.get_by_label("X-ray smoothing", exact=True)
        denoised = page.get_by_label("Denoised preview (visual aid)")
        for mode in ("none", "gaussian", "denoised"):
            if mode == "denoised":
                denoised.check()
            else:
                if denoised.is_checked():
                    denoised.uncheck()
                smoothing.select_option(mode)
            expect(page.locator("#classifier")).to_have_attribute("data-state", "ready")
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(200)
            page.screenshot(path=str(out / f"classify-{data}-{size}-{mode}.png"))
        denoised.uncheck()
