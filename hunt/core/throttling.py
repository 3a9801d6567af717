"""Throttles shared by the APIs."""

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class ScopedWriteRateThrottle(ScopedRateThrottle):
    """A scoped rate for writes only: reading (and polling progress) stays cheap and unthrottled by scope."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
