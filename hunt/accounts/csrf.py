"""CSRF for anonymous volunteers.

DRF enforces CSRF only for session-authenticated users; an anonymous volunteer's identity is also a session,
so their writes need the same protection. Token-authenticated scripts are exempt (no cookies involved).
"""

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
        raise PermissionDenied(f"CSRF failed: {reason.content.decode(errors='replace')[:200]}")
