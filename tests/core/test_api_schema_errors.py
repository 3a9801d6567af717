"""What Schemathesis found, pinned: every operation documents its errors with the `{detail, code}` body, and
an error is that JSON body even on a CSV download and from a view's own refusals."""

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def _body(response: dict[str, Any]) -> Any:
    return response["content"]["application/json"]["schema"]


def test_every_operation_documents_its_errors_with_the_error_body(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    assert len(operations) > 50
    for path, method, operation in operations:
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        for code in ("401", "403", "429", "503"):
            assert _body(responses[code]) == ERROR, where
        if "{" in path:
            assert _body(responses["404"]) == ERROR, where
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), where
            assert ERROR in _body(responses["400"])["anyOf"], where


def test_an_error_a_view_declared_without_a_body_gets_the_error_body(
    operations: list[tuple[str, str, dict[str, Any]]],
) -> None:
    promote = next(op for path, m, op in operations if path.endswith("/promote/"))
    assert _body(promote["responses"]["409"]) == ERROR
    assert promote["responses"]["409"]["description"] != "No response body"


@pytest.mark.django_db
def test_a_csv_download_answers_its_404_in_json(volunteer_client: Client) -> None:
    url = reverse("api-collection-export", args=[uuid.uuid4()])
    response = volunteer_client.get(url, HTTP_ACCEPT="text/csv")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_views_own_refusal_has_a_code(scientist_client: Client) -> None:
    response = scientist_client.get(
        reverse("api-export-classifications"), {"created_after": "yesterday", "format": "csv"}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid"
    assert "created_after" in body["detail"]
