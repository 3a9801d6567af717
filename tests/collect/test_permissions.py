"""Who sees and who changes a collection, on the pages and in the API (CSV export included).

Someone else's private collection answers 404 everywhere, exactly as a key that never existed, so its existence
doesn't leak; a public collection is readable by all and changeable by its owner only (403 for others).
"""

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.collect.models import Collection, CollectionItem

pytestmark = pytest.mark.django_db


def _read_urls(collection_key: Any) -> list[str]:
    return [
        reverse("collect:detail", args=[collection_key]),
        reverse("api-collection-detail", args=[collection_key]),
        reverse("api-collection-items", args=[collection_key]),
        reverse("api-collection-export", args=[collection_key]),
    ]


def _other_client(other_volunteer: Any) -> Client:
    client = Client()
    client.force_login(other_volunteer)
    return client


def test_the_owner_reads_her_private_collection_on_every_page_and_endpoint(
    volunteer_client: Client, alice_private: Collection
) -> None:
    for url in _read_urls(alice_private.key):
        response = volunteer_client.get(url)
        assert response.status_code == 200, url
    csv = volunteer_client.get(reverse("api-collection-export", args=[alice_private.key]))
    assert csv["Content-Type"].startswith("text/csv")
    assert len(csv.content.decode().strip().splitlines()) == 3  # header + two subjects


@pytest.mark.parametrize("who", ["other", "anonymous", "scientist"])
def test_a_private_collection_is_404_for_everyone_else_like_a_missing_one(
    who: str,
    alice_private: Collection,
    other_volunteer: Any,
    scientist_client: Client,
) -> None:
    client = {
        "other": _other_client(other_volunteer),
        "anonymous": Client(),
        "scientist": scientist_client,
    }[who]
    for url in _read_urls(alice_private.key):
        response = client.get(url)
        assert response.status_code == 404, url
        # Same answer as for a key that was never issued: nothing to tell them apart.
        missing = client.get(url.replace(str(alice_private.key), str(uuid.uuid4())))
        assert missing.status_code == 404
        assert b"Odd arcs" not in response.content


@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_a_public_collection_is_readable_by_anyone_with_its_url(
    who: str, alice_public: Collection, other_volunteer: Any
) -> None:
    client = _other_client(other_volunteer) if who == "other" else Client()
    for url in _read_urls(alice_public.key):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("collect:detail", args=[alice_public.key]))
    assert b"Best clusters" in page.content
    assert b"collected by alice" in page.content


def test_listings_show_private_collections_to_their_owner_only(
    volunteer_client: Client,
    other_volunteer: Any,
    alice_private: Collection,
    alice_public: Collection,
) -> None:
    other = _other_client(other_volunteer)
    for client, sees_private in ((volunteer_client, True), (other, False), (Client(), False)):
        page = client.get(reverse("collect:index")).content.decode()
        api = client.get(reverse("api-collections")).json()
        titles = {row["title"] for row in api["results"]}
        assert ("Odd arcs" in page) is sees_private
        assert ("Odd arcs" in titles) is sees_private
        assert "Best clusters" in page
        assert "Best clusters" in titles


def test_only_the_owner_changes_a_collection_through_the_api(
    volunteer_client: Client,
    other_volunteer: Any,
    alice_private: Collection,
    alice_public: Collection,
    subjects: list[Any],
) -> None:
    other = _other_client(other_volunteer)
    for collection, expected in ((alice_private, 404), (alice_public, 403)):
        detail = reverse("api-collection-detail", args=[collection.key])
        items = reverse("api-collection-items", args=[collection.key])
        item = reverse("api-collection-item", args=[collection.key, subjects[0].pk])
        before = set(collection.items.values_list("subject_id", flat=True))
        answers = [
            other.patch(detail, {"title": "Mine now"}, content_type="application/json"),
            other.delete(detail),
            other.post(items, {"subject": subjects[0].pk}, content_type="application/json"),
            other.delete(item),
        ]
        assert [response.status_code for response in answers] == [expected] * 4
        collection.refresh_from_db()
        assert collection.title in ("Odd arcs", "Best clusters")
        assert set(collection.items.values_list("subject_id", flat=True)) == before

    # ...while the owner can.
    detail = reverse("api-collection-detail", args=[alice_public.key])
    response = volunteer_client.patch(
        detail, {"title": "Very best clusters"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Very best clusters"


def test_anonymous_visitors_cannot_write_through_the_api(
    alice_public: Collection, subjects: list[Any]
) -> None:
    client = Client()
    responses = [
        client.post(reverse("api-collections"), {"title": "x"}, content_type="application/json"),
        client.post(
            reverse("api-collection-items", args=[alice_public.key]),
            {"subject": subjects[0].pk},
            content_type="application/json",
        ),
        client.put(reverse("api-favourite", args=[subjects[0].pk])),
        client.get(reverse("api-favourite", args=[subjects[0].pk])),
    ]
    assert all(response.status_code in (401, 403) for response in responses)
    assert Collection.objects.count() == 1


def test_only_the_owner_edits_deletes_or_prunes_on_the_pages(
    volunteer_client: Client,
    other_volunteer: Any,
    alice_private: Collection,
    alice_public: Collection,
    subjects: list[Any],
) -> None:
    other = _other_client(other_volunteer)
    for collection, expected in ((alice_private, 404), (alice_public, 403)):
        subject_id = collection.items.values_list("subject_id", flat=True).first()
        answers = [
            other.get(reverse("collect:edit", args=[collection.key])),
            other.post(reverse("collect:edit", args=[collection.key]), {"title": "Mine now"}),
            other.post(reverse("collect:delete", args=[collection.key])),
            other.post(reverse("collect:remove_subject", args=[collection.key, subject_id])),
        ]
        assert [response.status_code for response in answers] == [expected] * 4
    assert Collection.objects.count() == 2
    assert CollectionItem.objects.count() == 3

    # Anonymous visitors are sent to log in whatever the key, so the redirect reveals nothing.
    for key in (alice_private.key, uuid.uuid4()):
        response = Client().get(reverse("collect:edit", args=[key]))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    response = volunteer_client.post(reverse("collect:delete", args=[alice_private.key]))
    assert response.status_code == 302
    assert not Collection.objects.filter(pk=alice_private.pk).exists()
