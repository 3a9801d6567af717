"""Throttles shared by the APIs, all keyed on `hunt.core.client.client_ip` for anonymous clients.

The classify scope counts in fixed windows (`scope_counter_wait`): one command (a Lua script: `INCR`, and
`EXPIRE` when that created the counter), one round trip to Redis per request, where DRF's sliding window reads
and rewrites a pickled list of timestamps (two round trips). Same rates (DEFAULT_THROTTLE_RATES), same 429
with Retry-After; a window allows its rate, so at a window's edge a client may briefly get up to twice it,
which a politeness limit can afford.

Throttles fail open: they count in the cache (Redis in production), and a cache outage must not turn every
classification into a 500. Throttling is politeness, not a security boundary (abuse limits belong in front
of the app too), so while the cache is away requests pass and the outage is logged, at most once a minute.
"""

import hashlib
import logging
import time
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import NoScriptError
from rest_framework.throttling import (
    AnonRateThrottle,
    BaseThrottle,
    ScopedRateThrottle,
    UserRateThrottle,
)

from hunt.core.client import client_ip

# DRF imports this module while it loads its settings: no import of its views here.
if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request
    from rest_framework.views import APIView


logger = logging.getLogger(__name__)
LOG_EVERY_SECONDS = 60.0
_last_logged = [0.0]


def _cache_down(error: Exception) -> None:
    now = time.monotonic()
    if now - _last_logged[0] >= LOG_EVERY_SECONDS:
        _last_logged[0] = now
        logger.warning("throttle cache unavailable, letting requests through: %r", error)


class _HonestIdent:
    """DRF's `get_ident` would key on a client-chosen X-Forwarded-For; ours trusts configured proxies only.

    Also where every throttle of ours fails open when the cache is down.
    """

    def get_ident(self, request: "Request") -> str:
        return client_ip(request)

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        try:
            return cast(bool, super().allow_request(request, view))  # type: ignore[misc]
        except ImproperlyConfigured:
            raise
        except (
            Exception
        ) as error:  # redis.ConnectionError, TimeoutError, ... whatever the backend raises
            _cache_down(error)
            return True


class AnonThrottle(_HonestIdent, AnonRateThrottle):
    pass


class UserThrottle(_HonestIdent, UserRateThrottle):
    pass


class ScopedThrottle(_HonestIdent, ScopedRateThrottle):
    pass


class _Scope:
    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def scope_allowed(request: "HttpRequest", scope: str) -> bool:
    """One more request in `scope` (settings: DEFAULT_THROTTLE_RATES) for an HTML view, counted like the API's.

    DRF's throttle reads only request.user and request.META, which a Django request has too.
    """
    return ScopedThrottle().allow_request(cast(Any, request), cast(Any, _Scope(scope)))


class ScopedWriteRateThrottle(ScopedThrottle):
    """A scoped rate for writes only: reading (and polling progress) stays cheap and unthrottled by scope."""

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)


# --- Fixed-window counters (the classify scope) --------------------------------------------------------


_RATE_PARSER = ScopedRateThrottle()  # its parse_rate, the one reading of "120/min"


def _rate(scope: str) -> tuple[int, int]:
    """(requests, seconds) of a scope, read where DRF's throttles read it (tests may patch it there)."""
    try:
        rate = ScopedRateThrottle.THROTTLE_RATES[scope]
    except KeyError:
        raise ImproperlyConfigured(f"No default throttle rate set for {scope!r} scope") from None
    num, period = _RATE_PARSER.parse_rate(rate)
    if num is None or period is None:  # a scope whose rate is None is not throttled by DRF either
        return 0, 0
    return int(num), int(period)


# INCR, and EXPIRE only when the INCR created the counter: one command, run atomically, so no counter is ever
# left without an expiry. The window is part of the key, so one expiry per counter is all it needs.
_WINDOW_SCRIPT = (
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return n"
)
_WINDOW_SHA = hashlib.sha1(_WINDOW_SCRIPT.encode()).hexdigest()


def _count(key: str, seconds: int) -> int:
    """Add one to the window's counter and return it: one command, one round trip on Redis."""
    backend = caches["default"]
    if isinstance(backend, DjangoRedisCache):
        # make_key, not make_and_validate_key: the key is ours (scope, client, window), and the character
        # check is memcached's, scanning every character of every key.
        full_key = backend.make_key(key)
        client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
        try:
            # Cheaper than a pipeline of INCR + EXPIRE for redis-py to build and parse, and atomic.
            return int(client.evalsha(_WINDOW_SHA, 1, full_key, seconds + 1))
        except NoScriptError:  # a restarted (or flushed) Redis forgets scripts: EVAL sends it again
            return int(client.eval(_WINDOW_SCRIPT, 1, full_key, seconds + 1))
    # Any other cache (the demo's and the tests' local memory): add-then-increment, as atomic as it allows.
    if backend.add(key, 1, timeout=seconds + 1):
        return 1
    try:
        return int(backend.incr(key))
    except ValueError:  # expired between the two calls
        backend.add(key, 1, timeout=seconds + 1)
        return 1


def scope_counter_wait(scope: str, ident: object, *, now: float | None = None) -> float | None:
    """Count one request of `ident` in `scope`; None when allowed, else seconds until the window ends.

    Fails open (None) when the cache is away, as every throttle here does.
    """
    limit, seconds = _rate(scope)
    if not seconds:
        return None
    now = time.time() if now is None else now
    window = int(now // seconds)
    try:
        count = _count(f"throttle_window_{scope}_{ident}_{window}", seconds)
    except (
        Exception
    ) as error:  # redis.ConnectionError, TimeoutError, ... whatever the backend raises
        _cache_down(error)
        return None
    if count <= limit:
        return None
    return (window + 1) * seconds - now


def request_ident(request: "HttpRequest | Request") -> object:
    """Who a throttle counts: the signed-in user, else the client's address (as DRF's scoped throttle)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    return client_ip(request)


class ScopedCounterThrottle(BaseThrottle):
    """DRF's face of `scope_counter_wait` for the view's `throttle_scope`, on writes only."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope or request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        self._wait = scope_counter_wait(scope, request_ident(request))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
