"""A7/A11: viewer_state is small, shallow, identifier-keyed and clean text; anything else is a 400."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.classify.models import Classification, Workflow
from hunt.classify.viewer_state import MAX_BYTES

NEXT = reverse("api-subject-next")
CLASSIFY = reverse("api-classifications")

VIEWER = {
    "layout": "side-by-side", "bands_viewed": ["xray", "optical"], "blink_used": False,
    "auto_blink": False, "contours": True, "zoom": 1.5, "max_zoom": 2.0,
    "bands": {"xray": {"stretch": "asinh", "interval": "zscale", "invert": False}, "optical": None},
}  # fmt: skip


def _post(client: Client, subject: int, viewer_state: Any) -> Any:
    body = json.dumps(
        {"subject": subject, "answer": "galaxy", "idempotency_key": str(uuid.uuid4()),
         "viewer_state": viewer_state}
    )  # fmt: skip
    return client.post(CLASSIFY, body, content_type="application/json")


@pytest.fixture
def subject(make_workflow: Callable[..., Workflow], client: Client) -> int:
    make_workflow(3)
    return int(client.get(NEXT).json()["id"])


def test_the_viewers_own_state_is_kept(client: Client, subject: int) -> None:
    assert _post(client, subject, VIEWER).status_code == 201
    assert Classification.objects.get().viewer_state == VIEWER


@pytest.mark.parametrize(
    "state",
    [
        {"junk": "x" * (2 * 1024 * 1024)},  # the 2.3 MiB that was stored per classification
        {"junk": "x" * MAX_BYTES},
        {"a": {"b": {"c": {"d": {"e": 1}}}}},
        {"Not An Identifier": 1},
        {f"k{number}": number for number in range(100)},
        {"note": "a\u0000b"},
        {"note": "\ud800"},
        ["not", "an", "object"],
    ],
    ids=["2mib", "over-limit", "deep", "key", "many-keys", "nul", "surrogate", "list"],
)
def test_hostile_state_is_refused_with_400_and_nothing_stored(
    client: Client, subject: int, state: Any
) -> None:
    response = _post(client, subject, state)
    assert response.status_code == 400, response.content[:300]
    assert Classification.objects.count() == 0
