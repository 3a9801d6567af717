from django.http import HttpRequest

from hunt.accounts.roles import is_admin, is_scientist, role_name


def roles(request: HttpRequest) -> dict[str, object]:
    """Role flags for the navigation: SCIENCE for scientists, ADMIN for staff."""
    user = request.user
    return {
        "is_scientist": is_scientist(user),
        "is_admin": is_admin(user),
        "role_name": role_name(user),
    }
