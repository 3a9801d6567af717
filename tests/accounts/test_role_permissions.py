"""Each role reaches its own pages and no further."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

SCIENCE = reverse("core:science")
OPERATIONS = reverse("core:operations")
ADMIN_SITE = reverse("admin:index")
PINGS_API = reverse("api-worker-pings")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [SCIENCE, OPERATIONS])
def test_anonymous_visitors_are_sent_to_log_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("url", [SCIENCE, OPERATIONS])
def test_a_volunteer_cannot_reach_scientist_or_admin_pages(
    volunteer_client: Client, url: str
) -> None:
    assert volunteer_client.get(url).status_code == 403


def test_a_volunteer_is_turned_away_from_the_django_admin(volunteer_client: Client) -> None:
    response = volunteer_client.get(ADMIN_SITE)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_scientist_reaches_the_science_page(scientist_client: Client) -> None:
    response = scientist_client.get(SCIENCE)
    assert response.status_code == 200
    assert b"Science dashboard" in response.content


@pytest.mark.parametrize("url", [OPERATIONS, PINGS_API])
def test_a_scientist_cannot_reach_admin_only_pages(scientist_client: Client, url: str) -> None:
    assert scientist_client.get(url).status_code == 403


def test_a_scientist_cannot_start_admin_jobs_through_the_api(scientist_client: Client) -> None:
    assert scientist_client.post(PINGS_API).status_code == 403


def test_a_scientist_is_turned_away_from_the_django_admin(scientist_client: Client) -> None:
    assert scientist_client.get(ADMIN_SITE).status_code == 302


@pytest.mark.parametrize("url", [SCIENCE, OPERATIONS, ADMIN_SITE])
def test_an_admin_reaches_every_page(staff_client: Client, url: str) -> None:
    assert staff_client.get(url).status_code == 200


@pytest.mark.django_db
def test_navigation_shows_science_and_admin_only_to_their_roles(
    client: Client, volunteer: Any, scientist: Any, admin: Any
) -> None:
    home = reverse("core:home")

    def nav_roles(user: Any | None) -> set[str]:
        client.logout()
        if user is not None:
            client.force_login(user)
        html = client.get(home).content.decode()
        return {role for role in ("science", "admin") if f'data-role-nav="{role}"' in html}

    assert nav_roles(None) == set()
    assert nav_roles(volunteer) == set()
    assert nav_roles(scientist) == {"science"}
    assert nav_roles(admin) == {"science", "admin"}
