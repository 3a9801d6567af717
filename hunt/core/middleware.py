"""Requests no view should see: a NUL anywhere in the path or query string is a 400, never a 500.

PostgreSQL refuses NUL in text, so a `?tag=%00` or `/talk/tags/a%00b/` reached the database and failed there.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


def _has_nul(raw: str) -> bool:
    return "\x00" in raw or b"\x00" in unquote_to_bytes(raw.replace("+", " "))


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.path) or _has_nul(request.META.get("QUERY_STRING", "")):
            return HttpResponseBadRequest(
                b"NUL characters are not allowed in URLs.", content_type="text/plain"
            )
        return self.get_response(request)
