"""In a real browser: a scientist opens the evaluation dashboard, moves the threshold slider, downloads the ROC data."""

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hunt.evaluation.services import evaluation_run_create, evaluation_run_execute
from tests.evaluation.builders import Crafted, crafted_survey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RA, DEC = 150.0, 2.0
SUBJECTS = [
    Crafted("c1", RA, DEC, answers=["cluster", "cluster"], model=0.9),
    Crafted("c2", RA + 1, DEC, answers=["cluster", "point"], model=0.55),
    Crafted("c3", RA + 2, DEC, answers=["galaxy", "cluster"], model=0.35),
    Crafted("p1", RA + 3, DEC, label="point", answers=["point", "point"], model=0.2),
    Crafted("g1", RA + 4, DEC, label="galaxy", answers=["cluster", "galaxy"], model=0.6),
    Crafted("o1", RA + 5, DEC, label="other", answers=["other", "other"], model=0.1),
]
CATALOGUE = [(1, RA, DEC, 0.2, "C1"), (2, RA + 1, DEC, 0.7, "C2"), (3, RA + 2, DEC, 0.3, "C1")]


def test_a_scientist_moves_the_threshold_and_downloads_the_roc_data(
    page: Page,
    live_server: Any,
    scientist: Any,
    log_in: Callable[[Page, Any], None],
    tmp_path: Path,
) -> None:
    workflow, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all",
        bootstrap_resamples=100, queue=False,
    )  # fmt: skip
    evaluation_run_execute(run.pk)
    log_in(page, scientist)
    page.goto(f"{live_server.url}/science/")
    page.get_by_role("link", name="Evaluation dashboard").click()
    expect(page.locator("#verdict")).to_contain_text("both scored")
    expect(page.locator("#verdict")).to_contain_text("model AUC")
    expect(page.locator("#negatives-table")).to_contain_text("galaxy")
    model_row = page.locator('#live-table tr[data-scorer="model"]')
    # At the stored threshold 0.5: clusters 0.9 and 0.55 called, g1 (0.6) a false positive.
    expect(model_row.locator('[data-live="tpr"]')).to_have_text("0.667")
    expect(model_row.locator('[data-live="fpr"]')).to_have_text("0.333")
    marker = page.locator('#plot-roc .roc-marker[data-scorer="model"]')

    def marker_top() -> float:
        # Percent from the top of the ROC image: the page may scroll, the chart's geometry does not.
        return float(marker.evaluate("m => parseFloat(m.style.top)"))

    before = marker_top()

    line = page.locator("#threshold-line")

    def line_left() -> float:
        return float(line.evaluate("l => parseFloat(l.style.left)"))

    expect(line).to_be_visible()
    at_half = line_left()
    slider = page.locator("#threshold-slider")
    slider.fill("0.3")
    # Issue 18: the rates plot's threshold line follows the slider.
    assert line_left() < at_half  # range inputs take fill(); it fires the input event
    expect(page.locator("#threshold-value")).to_have_text("0.300")
    expect(model_row.locator('[data-live="tpr"]')).to_have_text("1.000")
    expect(model_row.locator('[data-live="fpr"]')).to_have_text("0.333")
    expect(model_row.locator('[data-live="purity"]')).to_have_text("0.750")
    slider.fill("0.95")
    expect(model_row.locator('[data-live="tpr"]')).to_have_text("0.000")
    expect(model_row.locator('[data-live="purity"]')).to_have_text("\u2013")  # en dash: no value
    assert marker_top() > before  # lower TPR: the marker moved down the ROC plot
    expect(marker).to_be_visible()
    # On the log-FPR chart the same point sits further right than on the linear one (FPR 1/3 > 10^-1.5).
    log_marker = page.locator('#plot-roc_log .roc-marker[data-scorer="model"]')
    slider.fill("0.5")
    expect(log_marker).to_be_visible()
    log_left = float(log_marker.evaluate("m => parseFloat(m.style.left)"))
    assert log_left > float(marker.evaluate("m => parseFloat(m.style.left)"))

    with page.expect_download() as download_info:
        page.locator("#roc-csv").click()
    download = download_info.value
    assert download.suggested_filename == f"evaluation-{run.pk}-roc.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert {row["scorer"] for row in rows} == {"model", "crowd"}
    assert rows[0]["fpr"] == "0.0"
    assert rows[0]["tpr"] == "0.0"
