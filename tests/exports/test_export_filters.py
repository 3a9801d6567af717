"""A17 (exports): an unknown catalogue id or an out-of-range id is a 400 that says which option is wrong."""

from typing import Any

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"catalogue": 999999}, "catalogue"),
        ({"since_id": 2**70}, "since_id"),
        ({"catalogue": "¹"}, "catalogue"),
    ],
)
def test_bad_filters_are_a_clear_400(
    scientist_client: Any, params: dict[str, Any], field: str
) -> None:
    response = scientist_client.get(reverse("api-export-subjects"), params)
    assert response.status_code == 400
    assert field in response.json()["detail"]
