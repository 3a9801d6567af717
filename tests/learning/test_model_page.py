"""The model page's buttons and notes (issue 18): promote vs roll back, the replaced champion's note, Cancel."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.classify.models import Workflow
from hunt.learning.models import LabelSnapshot, ModelVersion, TrainingRun
from hunt.learning.services import model_promote

PAGE = reverse("learning:training")


def _version(workflow: Workflow, *, sha: str = "a" * 64) -> ModelVersion:
    """A complete version of a succeeded run (no predictions: promotion has nothing to reorder)."""
    snapshot = LabelSnapshot.objects.create(workflow=workflow, min_votes=1, sha256=sha, row_count=0)
    run = TrainingRun.objects.create(snapshot=snapshot, status=TrainingRun.Status.SUCCEEDED)
    return ModelVersion.objects.create(
        run=run, snapshot_sha256=sha, code_version="test", seed=0, complete=True
    )


@pytest.fixture
def versions(db: None) -> list[ModelVersion]:
    workflow = Workflow.objects.get_or_create(slug="hunt", defaults={"name": "The Hunt"})[0]
    first, second, third = (_version(workflow) for _ in range(3))
    model_promote(version=first, note="first model")
    model_promote(version=second, note="validation AUC 0.9 > champion 0.8")
    return [first, second, third]


def _row(html: str, version: ModelVersion) -> str:
    start = html.index(f'data-version-id="{version.pk}"')
    return html[start : html.index("</tr>", start)]


def test_a_newer_unpromoted_model_is_promoted_and_an_older_one_rolled_back(
    staff_client: Client, versions: list[ModelVersion]
) -> None:
    first, second, third = versions
    html = staff_client.get(PAGE).content.decode()
    assert f"Promote v{third.pk}" in _row(html, third)
    assert "Roll back" not in _row(html, third)
    assert f"Roll back to v{first.pk}" in _row(html, first)
    assert "button" not in _row(html, second)  # it serves


def test_the_replaced_champion_no_longer_reads_first_model(
    staff_client: Client, versions: list[ModelVersion]
) -> None:
    first, second, _ = versions
    first.refresh_from_db()
    assert first.promotion_note == f"served until v{second.pk} replaced it"
    assert "first model" not in _row(staff_client.get(PAGE).content.decode(), first)


def test_a_version_that_may_not_serve_offers_no_button(staff_client: Client, db: None) -> None:
    version = _version(
        Workflow.objects.get_or_create(slug="hunt", defaults={"name": "The Hunt"})[0]
    )
    ModelVersion.objects.filter(pk=version.pk).update(complete=False)
    assert "button" not in _row(staff_client.get(PAGE).content.decode(), version)


def test_admins_get_a_cancel_button_and_scientists_none(
    staff_client: Client, scientist_client: Client
) -> None:
    assert 'id="cancel-run-button"' in staff_client.get(PAGE).content.decode()
    html = scientist_client.get(PAGE).content.decode()
    assert 'id="cancel-run-button"' not in html
    assert "data-promote-url" not in html


def test_the_run_says_where_to_cancel_it(staff_client: Client, versions: Any) -> None:
    run = staff_client.get(reverse("api-training-runs")).json()[0]
    assert run["cancel_url"] == reverse("api-training-run-cancel", args=[run["id"]])


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"init": "simulation", "freeze_body": True}, "simulation-pretrained base, heads trained"),
        ({"init": "simulation", "freeze_body": False}, "simulation-pretrained base</td>"),
        ({}, "random weights"),  # a run from before the base: it started from random weights
    ],
)
def test_each_run_says_where_its_training_started(
    staff_client: Client, versions: Any, params: dict[str, Any], shown: str
) -> None:
    run = versions[0].run
    TrainingRun.objects.filter(pk=run.pk).update(params=params)
    html = staff_client.get(PAGE).content.decode()
    start = html.index(f'data-run-id="{run.pk}"')
    assert shown in html[start : html.index("</tr>", start)]
