"""JSON errors everywhere on the API: unknown URLs, and a real database outage (the connection pointed at a
port where no PostgreSQL listens) answering 503 with Retry-After. CSRF, oversize bodies and a cache outage:
tests/classify/test_api_failures.py."""

import socket
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

CLASSIFY = reverse("api-classifications")
NEXT = reverse("api-subject-next")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db
def test_an_unknown_api_url_is_a_json_404_and_a_page_stays_html() -> None:
    response = Client().get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "not found", "code": "not_found"}
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.fixture
def database_away() -> Iterator[None]:
    """The connection pointed at a port where no PostgreSQL listens: what a database outage looks like."""
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(_free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_a_503_json_with_retry_after_on_the_api(database_away: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(NEXT)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) == settings.API_RETRY_AFTER_SECONDS
    assert response.json()["code"] == "database_unavailable"
    # A page says so in HTML, with the same Retry-After.
    page = client.get(reverse("classify:classify"))
    assert page.status_code == 503
    assert page["Retry-After"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("authorization", [None, "Token " + "a" * 40])
def test_a_classification_during_a_database_outage_is_a_503_json(
    database_away: None, authorization: str | None
) -> None:
    """Answered ahead of the stack (hunt.classify.fast_post), anonymous or by token: the same 503."""
    body = {
        "subject": 1,
        "answer": "cluster",
        "idempotency_key": "6a8f2e3c-9d5b-4c1a-8e7f-1b2c3d4e5f60",
    }
    headers = {"Authorization": authorization} if authorization else {}
    response = Client(raise_request_exception=False).post(
        CLASSIFY, body, content_type="application/json", headers=headers
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) == settings.API_RETRY_AFTER_SECONDS
    assert response.json()["code"] == "database_unavailable"
