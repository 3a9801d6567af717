"""Anonymous volunteers have an identity; signing up or logging in keeps what they did."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from hunt.accounts import services
from hunt.accounts.models import Volunteer


def _anonymous_volunteer(client: Client) -> Volunteer:
    """Give the client's session an anonymous volunteer, as the classify page will."""
    session = client.session
    volunteer = Volunteer.objects.create()
    session[services.SESSION_KEY] = str(volunteer.anonymous_key)
    session.save()
    return volunteer


@pytest.mark.django_db
def test_an_anonymous_request_gets_one_stable_volunteer() -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    request.session = SessionStore()

    first = services.volunteer_for_request(request)
    second = services.volunteer_for_request(request)

    assert first is not None
    assert first.pk == second.pk  # type: ignore[union-attr]
    assert first.is_anonymous


@pytest.mark.django_db
def test_signing_up_keeps_the_anonymous_volunteer(client: Client, password: str) -> None:
    anonymous = _anonymous_volunteer(client)

    response = client.post(
        reverse("accounts:sign_up"),
        {"username": "newcomer", "email": "", "password1": password, "password2": password},
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username="newcomer")
    anonymous.refresh_from_db()
    assert anonymous.user == user
    assert Volunteer.objects.count() == 1


@pytest.mark.django_db
def test_logging_in_merges_anonymous_work_into_the_account(
    client: Client, volunteer: Any, password: str
) -> None:
    existing = Volunteer.objects.create(user=volunteer)
    anonymous = _anonymous_volunteer(client)
    merged: list[tuple[int, int]] = []

    def record_merge(source: Volunteer, target: Volunteer) -> None:
        merged.append((source.pk, target.pk))

    services._merge_handlers.append(record_merge)
    try:
        response = client.post(
            reverse("accounts:login"), {"username": volunteer.username, "password": password}
        )
    finally:
        services._merge_handlers.remove(record_merge)

    assert response.status_code == 302
    assert merged == [(anonymous.pk, existing.pk)]
    assert not Volunteer.objects.filter(pk=anonymous.pk).exists()


@pytest.mark.django_db
def test_a_signed_in_user_has_one_volunteer_row(volunteer: Any) -> None:
    request = RequestFactory().get("/")
    request.user = volunteer
    first = services.volunteer_for_request(request)
    second = services.volunteer_for_request(request)
    assert first == second
    assert Volunteer.objects.filter(user=volunteer).count() == 1
