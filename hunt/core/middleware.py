"""Requests no view should see: a NUL anywhere in the path or query string is a 400, never a 500; an API
body over the upload limit is a 413 JSON answer.

PostgreSQL refuses NUL in text, so a `?tag=%00` or `/talk/tags/a%00b/` reached the database and failed there.
"""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


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


class ApiBodyLimitMiddleware:
    """An API body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 JSON answer before any view reads it.

    Django checks the limit only when a view reads `request.body` or a form; DRF's parsers read the stream, so
    without this an oversize JSON body was read whole.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return JsonResponse(
                    {
                        "detail": f"the request body is {length} bytes; at most {limit} are accepted",
                        "code": "too_large",
                    },
                    status=413,
                )
        return self.get_response(request)
