"""The Collect pages and the ♥ control on the classify and Talk pages."""

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from hunt.classify.models import Workflow
from hunt.classify.services import workflow_subjects_sync
from hunt.classify.talk import talk_url
from hunt.collect.models import Collection

pytestmark = pytest.mark.django_db


def test_a_volunteer_creates_a_collection_with_the_form_and_lands_on_its_page(
    volunteer_client: Client,
) -> None:
    response = volunteer_client.post(
        reverse("collect:new"), {"title": "Arcs", "description": "Lensed?", "is_public": "on"}
    )
    collection = Collection.objects.get(title="Arcs")
    assert response.status_code == 302
    assert response["Location"] == reverse("collect:detail", args=[collection.key])
    assert (collection.description, collection.is_public) == ("Lensed?", True)

    again = volunteer_client.post(reverse("collect:new"), {"title": "arcs"})
    assert again.status_code == 200
    assert "already have a collection" in again.content.decode()
    assert Collection.objects.count() == 1


def test_anonymous_visitors_are_asked_to_log_in_to_create(client: Client) -> None:
    response = client.get(reverse("collect:new"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert "Log in" in client.get(reverse("collect:index")).content.decode()


def test_the_collection_page_links_each_subject_to_its_talk_page_and_offers_the_csv(
    client: Client, alice_public: Collection, subjects: list[Any]
) -> None:
    html = client.get(reverse("collect:detail", args=[alice_public.key])).content.decode()
    assert f'href="{talk_url(subjects[2].pk)}"' in html
    assert reverse("api-collection-export", args=[alice_public.key]) in html
    assert f"/collect/{alice_public.key}/" in html  # the share URL
    assert "Remove" not in html  # not the owner


def test_the_owner_edits_and_prunes_her_collection(
    volunteer_client: Client, alice_private: Collection, subjects: list[Any]
) -> None:
    response = volunteer_client.post(
        reverse("collect:edit", args=[alice_private.key]),
        {"title": "Odd arcs", "description": "", "is_public": "on"},
    )
    assert response.status_code == 302
    alice_private.refresh_from_db()
    assert alice_private.is_public
    volunteer_client.post(
        reverse("collect:remove_subject", args=[alice_private.key, subjects[0].pk])
    )
    assert list(alice_private.items.values_list("subject_id", flat=True)) == [subjects[1].pk]


def test_the_talk_page_has_the_favourite_control_for_its_subject(
    volunteer_client: Client, client: Client, subjects: list[Any]
) -> None:
    url = talk_url(subjects[0].pk)
    html = volunteer_client.get(url).content.decode()
    assert "data-collect" in html
    assert f'data-subject-id="{subjects[0].pk}"' in html
    assert "js/collect.js" in html
    anonymous = client.get(url).content.decode()
    assert "Log in to collect favourites" in anonymous


def test_the_classify_page_control_follows_the_classifiers_subject(
    volunteer_client: Client, client: Client, subjects: list[Any]
) -> None:
    workflow, _ = Workflow.objects.update_or_create(slug="hunt", defaults={"active": True})
    workflow.subject_sets.add(subjects[0].subject_set)
    workflow_subjects_sync(workflow=workflow)
    html = volunteer_client.get(reverse("classify:classify")).content.decode()
    assert 'data-subject-source="#classifier"' in html
    assert "js/collect.js" in html
    assert (
        "Log in to collect favourites" in client.get(reverse("classify:classify")).content.decode()
    )


def test_the_control_template_renders_no_stray_template_syntax(
    rf: Any, volunteer: Any, subjects: list[Any]
) -> None:
    # Django's {# #} comments are one line only; a multi-line one would be shown to volunteers.
    request = rf.get("/")
    request.user = volunteer
    html = render_to_string(
        "collect/_favourite_button.html", {"subject_id": subjects[0].pk}, request=request
    )
    assert "data-collect" in html
    assert "{#" not in html
    assert "#}" not in html
