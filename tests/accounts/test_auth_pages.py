"""Sign-up, log-in, log-out and password change work from the pages."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_sign_up_rejects_mismatched_passwords(client: Client) -> None:
    response = client.post(
        reverse("accounts:sign_up"),
        {"username": "x", "password1": "a-long-password-1", "password2": "another-password-2"},
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="x").exists()
    assert "password" in response.content.decode().lower()


@pytest.mark.django_db
def test_log_in_then_log_out(client: Client, volunteer: Any, password: str) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": volunteer.username, "password": password}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200

    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:profile")).status_code == 302


@pytest.mark.django_db
def test_password_change(client: Client, volunteer: Any, password: str) -> None:
    client.force_login(volunteer)
    new_password = "a-brand-new-passphrase-77"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.check_password(new_password)


@pytest.mark.django_db
def test_forms_are_csrf_protected(volunteer: Any, password: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("accounts:login"), {"username": volunteer.username, "password": password}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("typed", "real"),
    [
        ("/accounts/login/", "/accounts/log-in/"),
        ("/accounts/signin/", "/accounts/log-in/"),
        ("/accounts/sign-in/", "/accounts/log-in/"),
        ("/accounts/signup/", "/accounts/sign-up/"),
        ("/accounts/register/", "/accounts/sign-up/"),
    ],
)
def test_common_spellings_of_the_account_pages_redirect_keeping_next(
    client: Client, typed: str, real: str
) -> None:
    response = client.get(f"{typed}?next=/classify/")
    assert response.status_code == 301
    assert response["Location"] == f"{real}?next=/classify/"


@pytest.mark.django_db
def test_the_admin_names_its_tables_in_plain_english(admin_client: Client) -> None:
    html = admin_client.get("/admin/").content.decode()
    for name in (
        "Subject statuses",
        "Volunteer progress",
        "Catalogue entries",
        "Catalogue matches",
    ):
        assert name in html
    for wrong in ("statuss", "progresss", "entrys", "matchs"):
        assert wrong not in html


@pytest.mark.django_db
def test_the_403_page_says_which_role_a_page_needs(volunteer_client: Client) -> None:
    response = volunteer_client.get("/science/model/")
    assert response.status_code == 403
    assert "admin pages need an admin account" in response.content.decode()
