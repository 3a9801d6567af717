"""Throttles shared by the APIs, all keyed on `hunt.core.client.client_ip` for anonymous clients.

Throttles fail open: they count in the cache (Redis in production), and a cache outage must not turn every
classification into a 500. Throttling is politeness, not a security boundary (abuse limits belong in front
of the app too), so while the cache is away requests pass and the outage is logged, at most once a minute.
"""

import logging
import time
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

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
