"""The API: OpenAPI schema is valid; token auth works for scripts."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle


@pytest.mark.django_db
def test_the_openapi_schema_is_valid(client: Client) -> None:
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert "/api/health/pings/" in schema["paths"]


@pytest.mark.django_db
def test_the_api_docs_page_serves_swagger_ui_from_our_own_static_files(client: Client) -> None:
    html = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html


@pytest.mark.django_db
def test_a_script_authenticates_with_a_token(scientist: Any) -> None:
    token = Token.objects.create(user=scientist)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    me = api.get(reverse("api-me")).json()

    assert me == {"username": "charlie", "role": "scientist", "authenticated": True}


@pytest.mark.django_db
def test_a_wrong_token_is_rejected_with_a_message() -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api.get(reverse("api-me"))
    assert response.status_code == 401
    assert "token" in response.json()["detail"].lower()


@pytest.mark.django_db
def test_starting_pings_is_throttled_with_a_clear_429(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DRF reads the rates once, at import; patch the class the view uses.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "worker_ping": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    url = reverse("api-worker-pings")
    codes = [staff_client.post(url).status_code for _ in range(3)]
    assert codes[:2] == [202, 202]
    assert codes[2] == 429
    assert "throttled" in staff_client.post(url).json()["detail"].lower()
