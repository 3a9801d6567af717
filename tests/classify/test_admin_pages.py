"""Issue 18: the Django admin's classifications can be searched and filtered; the site has a favicon everywhere."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from hunt.accounts.models import Volunteer
from hunt.classify.models import Classification, Workflow
from hunt.classify.services import classification_create
from hunt.subjects.models import Subject
from tests.factories import SubjectSetFactory, UserFactory

LIST = "/admin/classify/classification/"


@pytest.fixture
def classified(make_workflow: Callable[..., Workflow]) -> list[Classification]:
    workflow = make_workflow(3)
    subjects = list(Subject.objects.order_by("pk"))
    signed_in = Volunteer.objects.create(user=UserFactory.create(username="erin"))
    anonymous = Volunteer.objects.create()
    return [
        classification_create(
            workflow=workflow,
            volunteer=volunteer,
            subject_id=subject.pk,
            answer="galaxy",
            idempotency_key=uuid.uuid4(),
        ).classification
        for volunteer, subject in ((signed_in, subjects[0]), (anonymous, subjects[1]))
    ]


def _ids(response: Any) -> set[int]:
    return {c.pk for c in response.context["cl"].result_list}


def test_classifications_are_searchable_by_username_and_external_id(
    staff_client: Client, classified: list[Classification]
) -> None:
    erin, anon = classified
    assert _ids(staff_client.get(LIST, {"q": "erin"})) == {erin.pk}
    assert _ids(staff_client.get(LIST, {"q": anon.subject.external_id})) == {anon.pk}


def test_classifications_filter_by_workflow_set_date_and_volunteer(
    staff_client: Client, classified: list[Classification]
) -> None:
    erin, anon = classified
    # Django lists a filter only when it has two choices or more.
    SubjectSetFactory()
    Workflow.objects.get_or_create(slug="second", defaults={"name": "Second", "active": False})
    page = staff_client.get(LIST)
    titles = {spec.title for spec in page.context["cl"].filter_specs}
    assert {"workflow", "subject set", "created at", "volunteer"} <= titles, titles
    assert _ids(staff_client.get(LIST, {"signed_in": "no"})) == {anon.pk}
    assert _ids(staff_client.get(LIST, {"volunteer__id__exact": erin.volunteer_id})) == {erin.pk}
    assert _ids(
        staff_client.get(LIST, {"subject__subject_set__id__exact": erin.subject.subject_set_id})
    ) == {erin.pk, anon.pk}
    assert f'href="?volunteer__id__exact={erin.volunteer_id}"' in page.content.decode()


def test_favicon_ico_and_the_admin_name_the_icon(staff_client: Client, db: None) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert 'rel="icon"' in staff_client.get("/admin/").content.decode()
