"""Role checks for HTML views (mixins/decorators) and for DRF (permission classes)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from hunt.accounts.roles import is_admin, is_scientist


def _role_required(test: Callable[[Any], bool]) -> Callable[..., Any]:
    """Anonymous users are sent to log in; signed-in users without the role get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


scientist_required = _role_required(is_scientist)
admin_required = _role_required(is_admin)


class IsScientist(BasePermission):
    message = "This needs the scientist role."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_scientist(request.user)


class IsAdmin(BasePermission):
    message = "This needs an admin (staff) account."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_admin(request.user)


class ScientistReadsAdminWrites(BasePermission):
    """Scientists may read (GET, HEAD, OPTIONS); only admins may change anything."""

    message = "Reading this needs the scientist role; changing it needs an admin (staff) account."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return is_scientist(request.user)
        return is_admin(request.user)
