"""The volunteer API when things fail: a cache outage costs no classification (throttles fail open, on a
throw-away Redis killed under them), CSRF refusals and oversize bodies answer JSON with a code."""

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hunt.classify.models import Classification, Workflow

CLASSIFY = reverse("api-classifications")
NEXT = reverse("api-subject-next")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def throwaway_redis(tmp_path: Any) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A Redis of this test's own (never the machine's shared one), to be killed."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)


def _classify(client: Client, subject: int) -> Any:
    body = {"subject": subject, "answer": "cluster", "redshift": "low",
            "idempotency_key": str(uuid.uuid4())}  # fmt: skip
    return client.post(CLASSIFY, body, content_type="application/json")


def test_a_cache_outage_costs_no_classification(
    make_workflow: Callable[..., Workflow],
    throwaway_redis: tuple[str, subprocess.Popen[bytes]],
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, server = throwaway_redis
    local = settings.CACHES
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    make_workflow(6)
    client = Client()
    try:
        assert _classify(client, client.get(NEXT).json()["id"]).status_code == 201  # cache up
        server.kill()  # Redis dies under the throttles
        server.wait(timeout=10)
        statuses = [_classify(client, client.get(NEXT).json()["id"]).status_code for _ in range(4)]
    finally:
        settings.CACHES = local  # the test teardown clears the cache
    assert statuses == [201, 201, 201, 201]
    assert Classification.objects.count() == 5
    assert "throttle cache unavailable" in caplog.text  # failing open is logged


def test_a_csrf_refusal_on_the_api_is_json_with_a_code(
    make_workflow: Callable[..., Workflow],
) -> None:
    make_workflow(2)
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("classify:classify"))
    refused = _classify(client, client.get(NEXT).json()["id"])
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "csrf_failed"
    assert body["detail"].startswith("CSRF failed")
    assert "<" not in body["detail"]  # a reason, not an HTML page


def test_an_oversize_body_is_a_413_json_answer(make_workflow: Callable[..., Workflow]) -> None:
    make_workflow(1)
    client = Client()
    subject = client.get(NEXT).json()["id"]
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(
        CLASSIFY, {"subject": subject, "answer": "cluster", "pad": padding},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
