"""The fixed-window counter throttle (`scope_counter_wait`), on the local-memory cache and on Redis.

On Redis it is one script (INCR, and EXPIRE on a new counter); elsewhere add-then-increment. Both must allow exactly the rate per
window, say how long until the window ends, start afresh in the next window, and keep no key forever.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from rest_framework.throttling import ScopedRateThrottle

from hunt.core.throttling import scope_counter_wait

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counter"},
    "redis": {
        "BACKEND": "hunt.core.cache.RedisCache",
        "LOCATION": REDIS,
        "KEY_PREFIX": "counter-test",
    },
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(
    request: pytest.FixtureRequest, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    settings.CACHES = {"default": BACKENDS[request.param]}
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "classify": "3/min"},
    )
    caches["default"].clear()
    yield str(request.param)
    caches["default"].clear()


def test_a_window_allows_its_rate_then_says_when_it_ends(backend: str) -> None:
    start = 1_800_000_000 - 1_800_000_000 % 60 + 10.0  # ten seconds into a window
    waits = [scope_counter_wait("classify", "volunteer-1", now=start + i) for i in range(4)]
    assert waits[:3] == [None, None, None]
    assert waits[3] == pytest.approx(60 - 13)
    # Another client, and the next window, count afresh.
    assert scope_counter_wait("classify", "volunteer-2", now=start + 3) is None
    assert scope_counter_wait("classify", "volunteer-1", now=start + 50.5) is None
    if backend == "redis":
        backend_cache = caches["default"]
        client = backend_cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        keys = client.keys("counter-test:*")
        assert len(keys) == 3  # two windows of one client, one of the other
        assert all(0 < client.ttl(key) <= 61 for key in keys)  # none is kept forever


@pytest.mark.parametrize("backend", ["redis"], indirect=True)  # scripts are Redis's
def test_a_redis_that_forgot_the_script_still_counts(backend: str) -> None:
    client = caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]
    start = 1_800_000_000 - 1_800_000_000 % 60 + 10.0
    assert scope_counter_wait("classify", "volunteer-1", now=start) is None
    client.script_flush()  # what a restart does
    waits = [scope_counter_wait("classify", "volunteer-1", now=start + i) for i in range(1, 4)]
    # The count went on from 1: the second and third allowed, the fourth refused.
    assert waits == [None, None, pytest.approx(60 - 13)]
    (key,) = client.keys("counter-test:*")
    assert 0 < client.ttl(key) <= 61


def test_a_scope_without_a_rate_is_a_configuration_error(backend: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        scope_counter_wait("no-such-scope", "x")
