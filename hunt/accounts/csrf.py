"""CSRF for anonymous volunteers.

DRF enforces CSRF only for session-authenticated users; an anonymous volunteer's identity is also a session,
so their writes need the same protection. Token-authenticated scripts are exempt (no cookies involved).
"""

import json
from contextlib import suppress

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request


def _no_view(request: HttpRequest) -> None:
    return None


def enforce_csrf_unless_token(request: Request) -> None:
    if request.auth is not None:  # token authentication
        return
    check = CsrfViewMiddleware(_no_view)  # type: ignore[arg-type]
    check.process_request(request._request)
    reason = check.process_view(request._request, None, (), {})  # type: ignore[arg-type]
    if reason:
        # Under /api/ the failure view (hunt.core.errors.csrf_failure) answers {"detail": "CSRF failed: ..."}.
        text = reason.content.decode(errors="replace")
        with suppress(ValueError, TypeError, KeyError):
            text = str(json.loads(text)["detail"]).removeprefix("CSRF failed: ")
        raise PermissionDenied(f"CSRF failed: {text[:200]}")
