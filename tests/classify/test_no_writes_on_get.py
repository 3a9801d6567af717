"""A14: looking is free. A cookie-less GET of the next subject (or of the page) creates no volunteer,
session or progress row; the first classification does, and the walk then goes on from there."""

import uuid
from collections.abc import Callable

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from hunt.accounts.models import Volunteer
from hunt.classify.models import VolunteerProgress, Workflow

NEXT = reverse("api-subject-next")


def _counts() -> tuple[int, int, int]:
    return Volunteer.objects.count(), Session.objects.count(), VolunteerProgress.objects.count()


def test_cookie_less_gets_write_nothing(make_workflow: Callable[..., Workflow]) -> None:
    make_workflow(3)
    before = _counts()
    for _ in range(5):
        response = Client().get(NEXT)
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert Client().get(reverse("classify:classify")).status_code == 200
    assert _counts() == before


def test_the_first_classification_creates_the_volunteer_and_moves_the_walk(
    make_workflow: Callable[..., Workflow],
) -> None:
    make_workflow(3)
    client = Client()
    first = client.get(NEXT).json()["id"]
    body = {"subject": first, "answer": "galaxy", "idempotency_key": str(uuid.uuid4())}
    assert (
        client.post(
            reverse("api-classifications"), body, content_type="application/json"
        ).status_code
        == 201
    )
    assert Volunteer.objects.count() == 1
    assert VolunteerProgress.objects.get().seen_count == 1
    assert client.get(NEXT).json()["id"] != first
