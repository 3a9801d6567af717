"""The Collect API as a script or the page's JavaScript uses it."""

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from hunt.classify.talk import talk_url
from hunt.collect.models import Collection

pytestmark = pytest.mark.django_db


def _json(client: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(url, body, content_type="application/json")


def test_creating_a_collection_with_a_subject_returns_it_with_its_share_url(
    volunteer_client: Client, subjects: list[Any]
) -> None:
    response = _json(
        volunteer_client,
        "post",
        reverse("api-collections"),
        {"title": "Lensing arcs", "is_public": True, "subjects": [subjects[1].pk]},
    )
    assert response.status_code == 201
    body = response.json()
    collection = Collection.objects.get(title="Lensing arcs")
    assert body["key"] == str(collection.key)
    assert body["url"] == reverse("collect:detail", args=[collection.key])
    assert (body["item_count"], body["is_public"], body["is_mine"], body["owner"]) == (
        1,
        True,
        True,
        "alice",
    )
    again = _json(volunteer_client, "post", reverse("api-collections"), {"title": "lensing ARCS"})
    assert again.status_code == 409
    assert "already have" in again.json()["detail"]


def test_items_are_listed_newest_first_with_coordinates_and_talk_links(
    volunteer_client: Client, alice_private: Collection, subjects: list[Any]
) -> None:
    items_url = reverse("api-collection-items", args=[alice_private.key])
    added = _json(volunteer_client, "post", items_url, {"subject": subjects[2].pk})
    assert (added.status_code, added.json()) == (201, {"subject": subjects[2].pk, "added": True})
    repeat = _json(volunteer_client, "post", items_url, {"subject": subjects[2].pk})
    assert (repeat.status_code, repeat.json()["added"]) == (200, False)
    missing = _json(volunteer_client, "post", items_url, {"subject": 99999999})
    assert missing.status_code == 404

    rows = volunteer_client.get(items_url).json()["results"]
    assert [row["subject"] for row in rows] == [subjects[2].pk, subjects[1].pk, subjects[0].pk]
    assert rows[0]["ra"] == pytest.approx(subjects[2].ra)
    assert rows[0]["talk_url"] == talk_url(subjects[2].pk)

    removed = volunteer_client.delete(
        reverse("api-collection-item", args=[alice_private.key, subjects[2].pk])
    )
    assert removed.status_code == 204
    assert alice_private.items.count() == 2


def test_the_csv_export_has_one_row_per_subject_with_ids_and_coordinates(
    volunteer_client: Client, alice_private: Collection, subjects: list[Any]
) -> None:
    response = volunteer_client.get(
        reverse("api-collection-export", args=[alice_private.key]), HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "odd-arcs" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [int(row["subject_id"]) for row in rows] == [subjects[0].pk, subjects[1].pk]
    for row, subject in zip(rows, subjects, strict=False):
        assert row["external_id"] == subject.external_id
        assert float(row["ra_deg"]) == pytest.approx(subject.ra, abs=1e-6)
        assert float(row["dec_deg"]) == pytest.approx(subject.dec, abs=1e-6)


def test_a_patch_racing_a_delete_answers_404_not_500(
    volunteer_client: Client, alice_private: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A12: the DELETE lands between the PATCH's lookup and its save.
    from hunt.collect import apis

    lookup = apis.collection_for_owner

    def lookup_then_delete(**kwargs: Any) -> Collection:
        collection = lookup(**kwargs)
        Collection.objects.filter(pk=collection.pk).delete()
        return collection

    monkeypatch.setattr(apis, "collection_for_owner", lookup_then_delete)
    url = reverse("api-collection-detail", args=[alice_private.key])
    response = _json(volunteer_client, "patch", url, {"title": "Renamed"})
    assert response.status_code == 404
    assert "no longer exists" in response.json()["detail"]


def test_favourites_are_set_and_cleared_with_put_and_delete(
    volunteer_client: Client, alice_private: Collection, subjects: list[Any]
) -> None:
    url = reverse("api-favourite", args=[subjects[0].pk])
    assert volunteer_client.get(url).json()["favourite"] is False
    on = volunteer_client.put(url)
    assert on.status_code == 200
    assert on.json()["favourite"] is True
    assert on.json()["collections"] == [
        {"key": str(alice_private.key), "title": "Odd arcs", "is_public": False, "contains": True}
    ]
    assert volunteer_client.put(url).json()["favourite"] is True  # a retried click
    off = volunteer_client.delete(url)
    assert (off.status_code, off.content) == (204, b"")  # A18: as the schema documents
    assert volunteer_client.get(url).json()["favourite"] is False
    assert volunteer_client.delete(url).status_code == 204  # a retried click
    assert volunteer_client.get(reverse("api-favourite", args=[99999999])).status_code == 404


def test_collection_writes_are_throttled_but_reads_are_not(
    volunteer_client: Client, alice_private: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "collect": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    url = reverse("api-collections")
    codes = [
        _json(volunteer_client, "post", url, {"title": f"Set {n}"}).status_code for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert volunteer_client.get(url).status_code == 200


def test_the_favourite_delete_is_documented_as_the_204_it_answers(client: Client) -> None:
    # A18: DELETE /api/favourites/{id}/ answered 200 with a body where the schema says 204.
    schema = client.get(
        reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    responses = schema["paths"]["/api/favourites/{subject_id}/"]["delete"]["responses"]
    assert {code for code in responses if code < "400"} == {"204"}


def test_the_schema_documents_the_collect_endpoints(client: Client) -> None:
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = schema.json()["paths"]
    for path in (
        "/api/collections/",
        "/api/collections/{key}/",
        "/api/collections/{key}/items/",
        "/api/collections/{key}/items/{subject_id}/",
        "/api/collections/{key}/export.csv",
        "/api/favourites/{subject_id}/",
    ):
        assert path in paths, path
    assert (
        "text/csv"
        in paths["/api/collections/{key}/export.csv"]["get"]["responses"]["200"]["content"]
    )
