"""A2: X-Forwarded-For is trusted only as far as NUM_PROXIES says, for throttles and the stored hash alike."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from hunt.classify.models import Classification, Workflow
from hunt.core.client import client_ip, client_ip_hash

NEXT = reverse("api-subject-next")
CLASSIFY = reverse("api-classifications")


def _request(xff: str | None = None, remote: str = "192.0.2.10") -> Any:
    extra: dict[str, Any] = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings: Any) -> None:
    settings.NUM_PROXIES = 0
    assert client_ip(_request("203.0.113.9")) == "192.0.2.10"


def test_one_trusted_proxy_takes_the_address_it_saw(settings: Any) -> None:
    settings.NUM_PROXIES = 1
    # The client wrote "1.1.1.1" itself; our proxy appended the address it really came from.
    assert client_ip(_request("1.1.1.1, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(_request("203.0.113.9")) == "203.0.113.9"


def test_garbage_in_the_header_falls_back_to_the_peer(settings: Any) -> None:
    settings.NUM_PROXIES = 1
    assert client_ip(_request("not-an-address")) == "192.0.2.10"
    assert client_ip(_request(", ,")) == "192.0.2.10"


def test_rotating_x_forwarded_for_does_not_escape_the_anonymous_rate(
    make_workflow: Callable[..., Workflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "classify": "2/min"},
    )
    make_workflow(5)
    codes = []
    for hop in range(3):
        # A fresh cookie-less client each time, each claiming another address.
        client = Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{hop}")
        subject = client.get(NEXT).json()["id"]
        body = {"subject": subject, "answer": "galaxy", "idempotency_key": str(uuid.uuid4())}
        codes.append(client.post(CLASSIFY, body, content_type="application/json").status_code)
    assert codes == [201, 201, 429]


def test_the_stored_hash_is_of_the_same_client_the_throttle_counts(
    make_workflow: Callable[..., Workflow], settings: Any
) -> None:
    settings.NUM_PROXIES = 0
    make_workflow(3)
    hashes = set()
    for hop in range(2):
        client = Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{hop}")
        subject = client.get(NEXT).json()["id"]
        body = {"subject": subject, "answer": "galaxy", "idempotency_key": str(uuid.uuid4())}
        assert client.post(CLASSIFY, body, content_type="application/json").status_code == 201
    hashes = set(Classification.objects.values_list("ip_hash", flat=True))
    assert len(hashes) == 1  # both came from 127.0.0.1, whatever they claimed


def test_behind_one_proxy_the_hash_is_of_the_address_the_proxy_saw(
    make_workflow: Callable[..., Workflow], settings: Any
) -> None:
    settings.NUM_PROXIES = 1
    make_workflow(2)
    client = Client(HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    subject = client.get(NEXT).json()["id"]
    body = {"subject": subject, "answer": "galaxy", "idempotency_key": str(uuid.uuid4())}
    assert client.post(CLASSIFY, body, content_type="application/json").status_code == 201
    assert Classification.objects.get().ip_hash == client_ip_hash("203.0.113.9")
