"""A11: hostile JSON on any JSON endpoint is a 400 (deep nesting, NUL, lone surrogates), never a 500."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.core.params import ascii_int
from hunt.core.parsers import MAX_DEPTH, json_problem

DEEP = "[" * 1000 + "]" * 1000  # 2 kB that made DRF's parser raise RecursionError
ENDPOINTS = [
    "api-classifications",
    "api-collections",
    "api-talk-discussions",
]


def test_json_problem_finds_depth_nul_and_surrogates_without_recursion() -> None:
    assert json_problem({"a": [1, "b", {"c": None}]}) is None
    assert json_problem(["x"] * 5) is None
    nested: Any = []
    for _ in range(50_000):
        nested = [nested]
    assert json_problem(nested) is not None
    assert json_problem({"k\u0000": 1}) is not None
    assert json_problem(["\udfff"]) is not None
    shallow: Any = []
    for _ in range(MAX_DEPTH - 1):
        shallow = [shallow]
    assert json_problem(shallow) is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    [DEEP, '{"title": "a\\u0000b"}', '{"title": "\\ud800"}'],
    ids=["deep", "nul", "surrogate"],
)
def test_hostile_json_is_a_400(volunteer_client: Client, name: str, body: str) -> None:
    response = volunteer_client.post(reverse(name), body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]


def test_ascii_int_refuses_unicode_digits_and_bounds() -> None:
    assert ascii_int("12") == 12
    for text in ("¹", "²3", "٣", "-1", "1.0", " 1", "", None, "9" * 40):
        assert ascii_int(text) is None, text
    assert ascii_int("0", minimum=1) is None
    assert ascii_int("5000", maximum=3650) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/subjects/next/?exclude=%C2%B9", "/api/talk/tags/?days=%C2%B9"]
)
def test_unicode_digits_in_query_strings_are_not_a_500(client: Client, url: str) -> None:
    assert client.get(url).status_code in (200, 204, 404)
