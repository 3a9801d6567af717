"""`POST /api/classifications/` without the stack it does not need: the hot write path, on PostgreSQL.

A classification is the one request volunteers send by the thousand. Through the whole middleware stack and
DRF it cost ~6-8 ms of CPU, three to five times a plain Django view that inserts one row; the database part
was one statement. This middleware sits right after Django's SecurityMiddleware (so HTTPS redirects, HSTS,
nosniff, the referrer and opener policies apply as everywhere) and answers a well-formed JSON classification
itself, doing only what the request needs, each step with the code the full stack uses:

1. authentication: `Authorization: Token ...` through `VolunteerTokenAuthentication` (the same one query);
   otherwise the session, through Django's SessionMiddleware and `django.contrib.auth.get_user`, lazily;
2. CSRF, for every request that is not token-authenticated (signed-in or anonymous: an anonymous volunteer is
   a session too), through Django's own CsrfViewMiddleware, whose failure view answers the JSON 403;
3. the classify throttle (`scope_counter_wait`, the same counter as the DRF view's);
4. validation (`classification_values`), the workflow from the per-process cache, the volunteer and the one
   statement (`classification_store`), the body (`classification_answer`);
5. the response through SessionMiddleware (a new anonymous volunteer's session is saved and its cookie set),
   CsrfViewMiddleware (a rotated token) and XFrameOptionsMiddleware. No Content-Security-Policy: the answer
   is JSON, which no browser renders (django-csp's `csp_exempt` would do the same for a view).

Anything else goes down the ordinary stack to `ClassificationCreateApi`, untouched: other databases (the
demo's SQLite keeps the ORM path), other methods, a query string, another content type, a body over the upload
limit, a body `classification_values` does not take (DRF's serializer words the 400), and a failed or foreign
`Authorization` header (DRF answers the 401). Those are all decided before anything is counted or written, so
a request is never half-handled by both.
"""

import json
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.functional import SimpleLazyObject
from rest_framework.exceptions import AuthenticationFailed, Throttled

from hunt.accounts.authentication import VolunteerTokenAuthentication
from hunt.classify.apis import (
    classification_answer,
    classification_store,
    classification_values,
    no_workflow_detail,
)
from hunt.classify.services import ClassificationError
from hunt.classify.workflow_cache import workflow_active
from hunt.core.parsers import MAX_DEPTH, json_problem
from hunt.core.throttling import request_ident, scope_counter_wait

PATH = "/api/classifications/"  # reverse("api-classifications"); tests hold the two together
SCOPE = "classify"  # ClassificationCreateApi.throttle_scope
# What DRF's APIView adds to every answer of the view; kept so both paths answer alike.
ALLOW = "POST, OPTIONS"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity, refused as DRF's strict parser does


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(content, status=status, content_type="application/json")
    response["Content-Length"] = str(len(content))
    response["Allow"] = ALLOW
    response["Vary"] = "Accept"
    return response


def _error(detail: str, code: str, status: int) -> HttpResponse:
    return _json({"detail": detail, "code": code}, status)


class ClassificationPostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.sessions = SessionMiddleware(get_response)
        self.csrf = CsrfViewMiddleware(get_response)
        self.xframe = XFrameOptionsMiddleware(get_response)
        self.token = VolunteerTokenAuthentication()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "POST" or request.path_info != PATH or not self._takes(request):
            return self.get_response(request)
        values = self._values(request)
        if values is None:
            return self.get_response(request)
        by_token = "HTTP_AUTHORIZATION" in request.META
        response: HttpResponseBase
        if by_token:
            try:
                found = self.token.authenticate(request)  # type: ignore[arg-type]
            except AuthenticationFailed:
                found = None
            if found is None:  # a bad token, or another scheme: DRF answers as it always has
                return self.get_response(request)
            request.user = found[0]
            response = self._classify(request, values, by_token=True)
        else:
            self.sessions.process_request(request)
            request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
            response = self._classify(request, values, by_token=False)
            response = self.sessions.process_response(request, response)
            response = self.csrf.process_response(request, response)
        return self.xframe.process_response(request, response)  # type: ignore[arg-type]

    def _takes(self, request: HttpRequest) -> bool:
        if request.META.get("QUERY_STRING") or request.content_type != "application/json":
            return False
        charset = (request.content_params or {}).get("charset", "utf-8")
        if charset.lower() not in ("utf-8", "utf8"):
            return False
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return (
            length > 0 and (limit is None or length <= limit) and connection.vendor == "postgresql"
        )

    def _values(self, request: HttpRequest) -> dict[str, Any] | None:
        # UnicodeDecodeError and JSONDecodeError are ValueErrors; nesting too deep for json is a RecursionError.
        body = request.body
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            return None
        # json_problem finds NUL characters, lone surrogates and nesting beyond MAX_DEPTH. Without a backslash
        # the text has no escapes, so its strings hold neither (strict UTF-8 decodes no surrogate, and json
        # refuses a raw control character), and with at most MAX_DEPTH brackets nothing nests deeper: the
        # page's body is such a body, and is then not walked again.
        if (b"\\" in body or body.count(b"{") + body.count(b"[") > MAX_DEPTH) and json_problem(
            data
        ) is not None:
            return None
        return classification_values(data)

    def _classify(
        self, request: HttpRequest, values: dict[str, Any], *, by_token: bool
    ) -> HttpResponse:
        if not by_token:
            self.csrf.process_request(request)
            refused = self.csrf.process_view(request, None, (), {})  # type: ignore[arg-type]
            if refused is not None:
                return refused  # CSRF_FAILURE_VIEW: {"detail": "CSRF failed: ...", "code": "csrf_failed"}
        wait = scope_counter_wait(SCOPE, request_ident(request))
        if wait is not None:
            throttled = Throttled(wait)
            response = _error(str(throttled.detail), "throttled", throttled.status_code)
            response["Retry-After"] = str(math.ceil(wait))  # as DRF's handler sends it
            return response
        slug = values.get("workflow")
        workflow = workflow_active(slug)
        if workflow is None:
            return _error(no_workflow_detail(slug), "not_found", 404)
        try:
            result = classification_store(request, values, workflow)
        except ClassificationError as error:
            return _error(error.message, error.code, error.status)
        body, status = classification_answer(result)
        return _json(body, status)
