"""The dashboard: scientists and admins only, an empty state, charts as PNG/SVG and numbers as CSV/JSON."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.services import evaluation_run_create, evaluation_run_execute
from tests.evaluation.builders import Crafted, crafted_survey

RA, DEC = 150.0, 2.0
SUBJECTS = [
    Crafted("c1", RA, DEC, answers=["cluster", "cluster"], model=0.8),
    Crafted("c2", RA + 1, DEC, answers=["cluster", "point"], model=0.4),
    Crafted("p1", RA + 2, DEC, label="point", answers=["point", "cluster"], model=0.3),
    Crafted("g1", RA + 3, DEC, label="galaxy", answers=["galaxy", "galaxy"], model=0.6),
]
CATALOGUE = [(1, RA, DEC, 0.2, "C1"), (2, RA + 1, DEC, 0.7, "C2")]


def _evaluated(tmp_path: Path) -> EvaluationRun:
    workflow, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    run = evaluation_run_create(
        workflow=workflow, catalogue=catalogue, model_version=version, split="all",
        bootstrap_resamples=100, queue=False,
    )  # fmt: skip
    done = evaluation_run_execute(run.pk)
    assert done is not None
    assert done.status == EvaluationRun.Status.SUCCEEDED, done.error
    return done


@pytest.mark.django_db
def test_a_volunteer_gets_403_and_an_anonymous_visitor_is_sent_to_log_in(
    volunteer_client: Any, client: Any
) -> None:
    assert volunteer_client.get("/science/evaluation/").status_code == 403
    response = client.get("/science/evaluation/")
    assert response.status_code == 302
    assert "/accounts/log-in/" in response["Location"]


@pytest.mark.django_db
def test_with_no_evaluation_the_page_says_so(scientist_client: Any) -> None:
    response = scientist_client.get("/science/evaluation/")
    assert response.status_code == 200
    assert b"No evaluations yet" in response.content
    assert b"evaluate-form" not in response.content  # starting runs is for admins


@pytest.mark.django_db
def test_the_science_page_links_to_the_dashboard(scientist_client: Any) -> None:
    assert b'href="/science/evaluation/"' in scientist_client.get("/science/").content


@pytest.mark.django_db
def test_the_dashboard_shows_the_run_with_both_aucs_and_the_slider_data(
    staff_client: Any, tmp_path: Path
) -> None:
    run = _evaluated(tmp_path)
    page = staff_client.get("/science/evaluation/")
    html = page.content.decode()
    assert f"Evaluation #{run.pk}" in html
    assert 'id="threshold-slider"' in html
    assert 'id="evaluate-form"' in html
    assert f"{run.results['model']['auc']:.3f}" in html
    assert f"{run.results['crowd']['auc']:.3f}" in html
    # Each chart is captioned with its title (not the Python object that draws it).
    assert "<figcaption>ROC curves ·" in html
    assert "<function" not in html
    start = html.index('id="evaluation-slider-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert set(data["scorers"]) == {"model", "crowd"}
    assert data["scorers"]["model"]["tp"][250] == run.results["model"]["confusion"]["tp"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["roc", "roc_log", "threshold", "reliability", "confusion", "history", "training"]
)
def test_every_chart_downloads_as_png_and_svg(
    scientist_client: Any, tmp_path: Path, name: str
) -> None:
    run = _evaluated(tmp_path)
    png = scientist_client.get(f"/science/evaluation/{run.pk}/plots/{name}.png?download=1")
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert "attachment" in png["Content-Disposition"]
    svg = scientist_client.get(f"/science/evaluation/{run.pk}/plots/{name}.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content


@pytest.mark.django_db
def test_the_roc_chart_names_its_axes_and_sample_size(
    scientist_client: Any, tmp_path: Path
) -> None:
    run = _evaluated(tmp_path)
    svg = scientist_client.get(f"/science/evaluation/{run.pk}/plots/roc.svg").content.decode()
    # matplotlib writes text as glyph paths with the string in a comment-like id; check the metadata text.
    assert "False positive rate" in svg
    assert "N = 4" in svg


@pytest.mark.django_db
def test_every_number_downloads_as_csv_and_json(scientist_client: Any, tmp_path: Path) -> None:
    run = _evaluated(tmp_path)
    for what in (
        "metrics",
        "roc",
        "thresholds",
        "scores",
        "strata",
        "reliability",
        "confusion",
        "history",
    ):
        body = scientist_client.get(f"/science/evaluation/{run.pk}/data/{what}.csv")
        assert body.status_code == 200, what
        rows = list(csv.DictReader(io.StringIO(body.content.decode())))
        assert rows, what
        assert json.loads(
            scientist_client.get(f"/science/evaluation/{run.pk}/data/{what}.json").content
        )
    metrics = scientist_client.get(
        f"/science/evaluation/{run.pk}/data/metrics.csv"
    ).content.decode()
    auc = next(
        r
        for r in csv.DictReader(io.StringIO(metrics))
        if r["scorer"] == "model" and r["metric"] == "auc"
    )
    assert float(auc["value"]) == pytest.approx(run.results["model"]["auc"])
    assert scientist_client.get(f"/science/evaluation/{run.pk}/data/nope.csv").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["roc", "roc_log", "threshold", "training"])
def test_no_legend_covers_the_curves(tmp_path: Path, name: str) -> None:
    # Issue 18: the legends sat inside the axes, over a line; now they are below the axes.
    from hunt.evaluation.plots import PLOTS

    run = _evaluated(tmp_path)
    figure = PLOTS[name][1](run)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for ax in figure.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        assert not box.overlaps(ax.get_window_extent(renderer)), name
        assert box.y0 >= 0, f"{name}: the legend runs off the figure"


@pytest.mark.django_db
def test_the_log_fpr_roc_chart_says_so_and_the_page_offers_it(
    scientist_client: Any, tmp_path: Path
) -> None:
    run = _evaluated(tmp_path)
    svg = scientist_client.get(f"/science/evaluation/{run.pk}/plots/roc_log.svg").content.decode()
    assert "log scale" in svg
    html = scientist_client.get(f"/science/evaluation/{run.pk}/").content.decode()
    assert "ROC curves, log false positive rate" in html
    assert 'data-scale="log"' in html
    assert 'id="threshold-line"' in html


def test_votes_are_counted_in_words() -> None:
    from hunt.evaluation.compute import votes_fewer_than

    assert votes_fewer_than(1) == "no crowd vote"
    assert votes_fewer_than(3) == "fewer than 3 crowd votes"
