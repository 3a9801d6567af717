"""JSON errors everywhere on the API: `{"detail": ..., "code": ...}`, whatever failed and wherever.

- `api_exception_handler` (DRF's EXCEPTION_HANDLER): DRF's own errors get a `code`; a job that could not be
  queued (broker down) and a database that is away answer 503 with Retry-After; an oversize body 413; any other
  exception a logged JSON 500 instead of Django's HTML page.
- `server_error`, `bad_request`, `not_found`, `permission_denied` (Django's handler500/400/404/403) and
  `csrf_failure` (CSRF_FAILURE_VIEW): failures outside DRF views (a middleware, an unknown /api/ URL, a body
  over DATA_UPLOAD_MAX_MEMORY_SIZE, a CSRF refusal) answer JSON under /api/ and the site's pages elsewhere.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from hunt.core.jobs import JobUnavailable

logger = logging.getLogger(__name__)

DATABASE_AWAY = (OperationalError, InterfaceError)


def _is_api(request: HttpRequest | None) -> bool:
    return request is not None and request.path.startswith("/api/")


def _retry_after() -> str:
    return str(settings.API_RETRY_AFTER_SECONDS)


def _body(detail: Any, code: str) -> dict[str, Any]:
    return {"detail": str(detail), "code": code}


class ApiError(APIException):
    """An error a view answers on purpose: `{"detail", "code"}` with its status, plus any `extra` fields
    (a 409 names the run in the way). Raised, never returned, so it is JSON whatever the client negotiated."""

    def __init__(self, detail: str, *, code: str, status: int, **extra: Any) -> None:
        super().__init__(detail, code)
        self.status_code = status
        self.extra = extra


def _unavailable(error: BaseException) -> tuple[dict[str, Any], int] | None:
    if isinstance(error, JobUnavailable):
        return _body(f"{error}; try again shortly", "job_queue_unavailable"), 503
    if isinstance(error, DATABASE_AWAY):
        return _body("the database is unavailable; try again shortly", "database_unavailable"), 503
    return None


def _render_as_json(context: dict[str, Any]) -> None:
    """An error is JSON even where the client negotiated another format (a CSV download's 404 or 429);
    the browsable API keeps its page, which shows the same JSON."""
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if request is not None and not isinstance(renderer, JSONRenderer | BrowsableAPIRenderer):
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    _render_as_json(context)
    # Django's own 404 and 403 (get_object_or_404...) as DRF's, so they carry DRF's codes too.
    if isinstance(exc, Http404):
        exc = NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is not None:
        data = response.data
        if isinstance(data, dict) and "detail" in data and "code" not in data:
            code = getattr(exc, "default_code", "error")
            if isinstance(exc, APIException):
                codes = exc.get_codes()
                code = codes if isinstance(codes, str) else code
            if isinstance(exc, PermissionDenied) and str(data["detail"]).lower().startswith("csrf"):
                code = "csrf_failed"
            data["code"] = code
            if isinstance(exc, ApiError):
                data.update(exc.extra)
        elif isinstance(data, list):
            response.data = {"detail": " ".join(map(str, data)), "code": "invalid"}
        return response
    unavailable = _unavailable(exc)
    if unavailable is not None:
        body, code = unavailable
        set_rollback()
        logger.warning("API %s: %s", code, exc)
        return Response(body, status=code, headers={"Retry-After": _retry_after()})
    if isinstance(exc, RequestDataTooBig):
        return Response(_body(exc, "too_large"), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):
        return Response(_body(exc, "bad_request"), status=status.HTTP_400_BAD_REQUEST)
    # Anything else: logged as Django's handler would, and a JSON 500 instead of an HTML page.
    request = context.get("request")
    logger.error("API error on %s", getattr(request, "path", "?"), exc_info=exc)
    set_rollback()
    return Response(
        _body("server error", "server_error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


def _json(body: dict[str, Any], status_code: int, **headers: str) -> JsonResponse:
    response = JsonResponse(body, status=status_code)
    for name, value in headers.items():
        response[name] = value
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: JSON under /api/ (503 with Retry-After when the database is away), the page elsewhere."""
    error = sys.exc_info()[1]
    unavailable = _unavailable(error) if error is not None else None
    if _is_api(request):
        if unavailable is not None:
            body, code = unavailable
            return _json(body, code, **{"Retry-After": _retry_after()})
        return _json(_body("server error", "server_error"), 500)
    if unavailable is not None:
        response = HttpResponse(
            "<!doctype html><title>Unavailable</title><h1>Cluster Hunt is briefly unavailable</h1>"
            "<p>Please try again in a minute.</p>",
            status=503,
        )
        response["Retry-After"] = _retry_after()
        return response
    try:
        return defaults.server_error(request, template_name)
    except Exception:  # the page itself needs the database (a context processor): a plain one then
        return HttpResponseServerError(b"<h1>Server Error (500)</h1>", content_type="text/html")


def bad_request(
    request: HttpRequest, exception: Exception, template_name: str = "400.html"
) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return _json(_body(exception, "too_large"), 413)
        return _json(_body("bad request", "bad_request"), 400)
    if isinstance(exception, RequestDataTooBig):
        return HttpResponse(b"Request body too large.", status=413, content_type="text/plain")
    return defaults.bad_request(request, exception, template_name)


def permission_denied(
    request: HttpRequest, exception: Exception, template_name: str = "403.html"
) -> HttpResponse:
    if _is_api(request):
        return _json(_body(exception or "permission denied", "permission_denied"), 403)
    return defaults.permission_denied(request, exception, template_name)


def not_found(
    request: HttpRequest, exception: Exception, template_name: str = "404.html"
) -> HttpResponse:
    if _is_api(request):
        return _json(_body("not found", "not_found"), 404)
    return defaults.page_not_found(request, exception, template_name)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: JSON under /api/, Django's page elsewhere."""
    if _is_api(request):
        return _json(_body(f"CSRF failed: {reason}", "csrf_failed"), 403)
    return django_csrf_failure(request, reason=reason)
