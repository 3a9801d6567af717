"""Flat and Panoptes-layout classification exports: contents, filters, incremental exports, both writers."""

import json
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from django.urls import reverse

from hunt.classify.models import Classification
from hunt.exports.classifications import (
    FLAT_HEADER,
    PANOPTES_HEADER,
    classification_csv_chunks,
)
from hunt.exports.filters import ExportFilters
from hunt.exports.selectors import classifications_for_export
from tests.exports.conftest import VOTES, World
from tests.exports.helpers import body, frame

URL = reverse("api-export-classifications")


def _ids(data: bytes) -> list[int]:
    return frame(data)["classification_id"].tolist() if data.count(b"\n") > 1 else []


def test_flat_export_has_one_row_per_classification_and_one_column_per_field(
    scientist_client: Any, world: World
) -> None:
    table = frame(body(scientist_client.get(URL)))
    assert tuple(table.columns) == FLAT_HEADER
    assert len(table) == len(VOTES)
    stored = Classification.objects.select_related("volunteer__user").order_by("pk")
    assert table["classification_id"].tolist() == [c.pk for c in stored]
    first = table.iloc[0]
    classification = stored[0]
    assert first["user_name"] == "alice"
    assert bool(first["logged_in"]) is True
    assert first["label"] == "cluster_low_z"
    assert first["answer"] == "cluster"
    assert pd.Timestamp(first["created_at"]) == pd.Timestamp(classification.created_at)
    assert first["ra"] == pytest.approx(world.subjects[0].ra)
    # No raw address anywhere: a keyed hash only.
    assert first["user_ip"] == classification.ip_hash
    assert "10.0.0." not in table.to_csv()
    anonymous = table[table["volunteer_id"] == world.volunteers[2].pk]
    assert set(anonymous["user_name"]) == {f"not-logged-in-{world.volunteers[2].pk}"}
    assert not anonymous["logged_in"].any()
    # No nested JSON in the flat layout.
    assert not table.astype(str).apply(lambda column: column.str.startswith("{")).any().any()


def test_panoptes_layout_has_the_zooniverse_columns_and_question_task_annotations(
    scientist_client: Any, world: World
) -> None:
    table = frame(body(scientist_client.get(URL, {"layout": "panoptes"})))
    assert tuple(table.columns) == PANOPTES_HEADER
    row = table.iloc[0]
    annotations = json.loads(row["annotations"])
    assert annotations[0] == {
        "task": "T0",
        "task_label": world.workflow.question,
        "value": "Galaxy cluster",
    }
    assert annotations[1]["task"] == "T1"
    assert annotations[1]["value"] == "Low redshift"
    subject_data = json.loads(row["subject_data"])
    assert list(subject_data) == [str(row["subject_ids"])]
    assert subject_data[str(world.subjects[0].pk)]["retired"]["retirement_reason"]
    assert json.loads(row["metadata"])["user_agent"] == "Mozilla/5.0 (test)"
    assert row["created_at"].endswith(" UTC")


@pytest.mark.parametrize("layout", ["flat", "panoptes"])
def test_copy_and_python_writers_give_the_same_table(world: World, layout: str) -> None:
    rows = classifications_for_export(ExportFilters())
    copied = frame(b"".join(classification_csv_chunks(rows, layout=layout)))
    written = frame(b"".join(classification_csv_chunks(rows, layout=layout, force_python=True)))
    for column in ("metadata", "annotations", "subject_data"):
        if column in copied:
            copied[column] = copied[column].map(json.loads)
            written[column] = written[column].map(json.loads)
    # PostgreSQL writes the float 2.0 as "2" and Python as "2.0": the same values, which pandas may read
    # as int64 in one and float64 in the other.
    pd.testing.assert_frame_equal(copied, written, check_dtype=False)


def test_since_id_returns_exactly_the_rows_after_it(scientist_client: Any, world: World) -> None:
    ids = list(Classification.objects.order_by("pk").values_list("pk", flat=True))
    cut = ids[5]
    assert _ids(body(scientist_client.get(URL, {"since_id": cut}))) == ids[6:]
    assert _ids(body(scientist_client.get(URL, {"since_id": ids[-1]}))) == []


def test_since_a_timestamp_returns_exactly_the_rows_after_it(
    scientist_client: Any, world: World
) -> None:
    stored = list(Classification.objects.order_by("pk"))
    moment = stored[3].created_at
    after = _ids(body(scientist_client.get(URL, {"since": moment.isoformat()})))
    assert after == [c.pk for c in stored if c.created_at > moment] == [c.pk for c in stored[4:]]


def test_filters_narrow_the_rows(scientist_client: Any, world: World) -> None:
    stored = list(Classification.objects.order_by("pk"))
    gold = _ids(body(scientist_client.get(URL, {"gold_only": "true"})))
    assert gold == [c.pk for c in stored if c.was_gold]
    assert gold
    retired = {c.subject_id for c in stored if c.subject.statuses.get().retired_at}
    assert _ids(body(scientist_client.get(URL, {"retired_only": "true"}))) == [
        c.pk for c in stored if c.subject_id in retired
    ]
    expert = _ids(body(scientist_client.get(URL, {"expert_only": "true"})))
    assert expert == [
        c.pk for c in stored if c.subject_id in (world.subjects[0].pk, world.subjects[1].pk)
    ]
    start, end = stored[2].created_at, stored[5].created_at
    window = {"created_after": start.isoformat(), "created_before": end.isoformat()}
    assert _ids(body(scientist_client.get(URL, window))) == [c.pk for c in stored[2:5]]
    assert _ids(
        body(scientist_client.get(URL, {"subject_set": "field-u", "workflow": "hunt"}))
    ) == [c.pk for c in stored]


def test_bad_filters_get_a_400_naming_the_option(scientist_client: Any, world: World) -> None:
    response = scientist_client.get(URL, {"workflow": "nope"})
    assert response.status_code == 400
    assert "workflow" in response.json()["detail"]
    start = Classification.objects.first().created_at  # type: ignore[union-attr]
    window = {
        "created_after": start.isoformat(),
        "created_before": (start - timedelta(1)).isoformat(),
    }
    response = scientist_client.get(URL, window)
    assert response.status_code == 400
    assert "created_before" in response.json()["detail"]
    assert scientist_client.get(URL, {"layout": "json"}).status_code == 400


def test_csv_is_streamed_with_attachment_headers(scientist_client: Any, world: World) -> None:
    response = scientist_client.get(URL, HTTP_ACCEPT="text/csv")
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="cluster-hunt-')
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("layout", ["flat", "panoptes"])
@pytest.mark.parametrize("force_python", [False, True])
def test_classifications_made_before_sign_up_stay_not_logged_in(
    world: World, layout: str, force_python: bool
) -> None:
    # Issue 18: the export read the volunteer's account today, so an anonymous volunteer who signed up later had
    # their anonymous classifications exported as logged in. Zooniverse records the state at classification time.
    import uuid

    from hunt.accounts.models import Volunteer
    from hunt.classify.services import classification_create
    from tests.factories import UserFactory

    newcomer = Volunteer.objects.create()
    before = classification_create(
        workflow=world.workflow, volunteer=newcomer, subject_id=world.subjects[5].pk,
        answer="galaxy", idempotency_key=uuid.uuid4(),
    ).classification  # fmt: skip
    newcomer.user = UserFactory.create(
        username="newcomer"
    )  # sign-up takes over the anonymous volunteer
    newcomer.save()
    after = classification_create(
        workflow=world.workflow, volunteer=newcomer, subject_id=world.subjects[3].pk,
        answer="other", idempotency_key=uuid.uuid4(),
    ).classification  # fmt: skip
    assert (before.logged_in_at_classification, after.logged_in_at_classification) == (False, True)
    rows = classifications_for_export(ExportFilters())
    table = frame(
        b"".join(classification_csv_chunks(rows, layout=layout, force_python=force_python))
    ).set_index("classification_id")
    assert table.loc[before.pk, "user_name"] == f"not-logged-in-{newcomer.pk}"
    assert table.loc[after.pk, "user_name"] == "newcomer"
    if layout == "flat":
        assert (
            bool(table.loc[before.pk, "logged_in"]),
            bool(table.loc[after.pk, "logged_in"]),
        ) == (
            False,
            True,
        )
    else:
        assert pd.isna(table.loc[before.pk, "user_id"])
        assert table.loc[after.pk, "user_id"] == newcomer.pk
