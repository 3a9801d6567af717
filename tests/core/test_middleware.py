"""A11: a NUL in a path or query string is a 400, wherever it lands (tags, users, workflows, boards)."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/subjects/next/?workflow=a%00b",
        "/api/subjects/next/?exclude=%00",
        "/talk/tags/a%00b/",
        "/talk/?board=x%00",
        "/collect/?owner=a%00",
        "/api/discussions/?tag=%00",
    ],
)
def test_nul_is_refused_with_400(client: Client, url: str) -> None:
    assert client.get(url).status_code == 400


@pytest.mark.django_db
def test_an_ordinary_query_string_still_passes(client: Client) -> None:
    assert client.get("/api/subjects/next/?workflow=nothing-here").status_code == 404
