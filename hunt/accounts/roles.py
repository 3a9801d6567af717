"""The three roles: volunteer (everyone, signed in or not), scientist (a group), admin (staff).

Every permission decision in views, APIs and templates goes through these functions so the rule lives in one
place.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

SCIENTIST_GROUP = "scientist"

AnyUser = AbstractBaseUser | AnonymousUser


def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


def is_scientist(user: AnyUser) -> bool:
    """Scientists see the science dashboard and exports; admins can do everything scientists can."""
    if not user.is_authenticated:
        return False
    if is_admin(user):
        return True
    groups = getattr(user, "groups", None)
    return bool(groups is not None and groups.filter(name=SCIENTIST_GROUP).exists())


def role_name(user: AnyUser) -> str:
    if is_admin(user):
        return "admin"
    if is_scientist(user):
        return "scientist"
    return "volunteer"
