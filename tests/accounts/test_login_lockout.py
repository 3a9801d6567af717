"""A1: wrong passwords lock the user name out (from that address) on both log-in forms, before hashing."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

LOGIN_FORMS = [reverse("accounts:login"), reverse("admin:login")]


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_the_right_password_after_many_wrong_ones_is_refused(
    url: str, admin: Any, password: str
) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        wrong = client.post(url, {"username": admin.username, "password": "guess"})
        assert wrong.status_code in (200, 429)
    response = client.post(url, {"username": admin.username, "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_rotating_x_forwarded_for_does_not_reset_the_lockout(admin: Any, password: str) -> None:
    url = reverse("accounts:login")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}").post(
            url, {"username": admin.username, "password": "guess"}
        )
    client = Client(HTTP_X_FORWARDED_FOR="198.51.100.200")
    response = client.post(url, {"username": admin.username, "password": password})
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_few_typos_then_the_right_password_logs_in(volunteer: Any, password: str) -> None:
    client = Client()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            client.post(url, {"username": volunteer.username, "password": "typo"}).status_code
            == 200
        )
    assert (
        client.post(url, {"username": volunteer.username, "password": password}).status_code == 302
    )


@pytest.mark.django_db
def test_another_user_is_not_locked_out_by_someone_elses_failures(
    admin: Any, volunteer: Any, password: str
) -> None:
    client = Client()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(url, {"username": admin.username, "password": "guess"})
    assert (
        client.post(url, {"username": volunteer.username, "password": password}).status_code == 302
    )


@pytest.mark.django_db
def test_staff_sessions_are_short_volunteer_sessions_long(
    admin: Any, volunteer: Any, password: str
) -> None:
    staff, member = Client(), Client()
    staff.post(reverse("admin:login"), {"username": admin.username, "password": password})
    member.post(reverse("accounts:login"), {"username": volunteer.username, "password": password})
    assert staff.session.get_expiry_age() == settings.STAFF_SESSION_AGE
    assert staff.session.get_expiry_age() <= 12 * 3600
    assert member.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
