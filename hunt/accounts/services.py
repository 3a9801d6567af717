"""Volunteer identity: anonymous sessions, sign-up and the hand-over of anonymous work to an account."""

import uuid
from collections.abc import Callable
from functools import cache

from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.http import HttpRequest

from hunt.accounts.models import Volunteer
from hunt.accounts.roles import SCIENTIST_GROUP
from hunt.core.db import prepared_fetchone

SESSION_KEY = "cluster_hunt_volunteer"

# Apps whose rows point at Volunteer register a function that moves them from one volunteer to another
# (resolving their own uniqueness rules, e.g. one classification per subject). Accounts knows no other app.
MergeHandler = Callable[[Volunteer, Volunteer], None]
_merge_handlers: list[MergeHandler] = []


def register_volunteer_merge_handler(handler: MergeHandler) -> MergeHandler:
    if handler not in _merge_handlers:
        _merge_handlers.append(handler)
    return handler


@cache
def _anonymous_lookup() -> tuple[str, list[str]]:
    """The SQL of `_anonymous_volunteer` and its field names, built once from the model's metadata."""
    fields = Volunteer._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    key = quote(Volunteer._meta.get_field("anonymous_key").column)
    user = quote(Volunteer._meta.get_field("user").column)
    sql = (
        f"SELECT {columns} FROM {quote(Volunteer._meta.db_table)} "
        f"WHERE {key} = %s AND {user} IS NULL"
    )
    return sql, [f.attname for f in fields]


def _anonymous_volunteer(key: str) -> Volunteer | None:
    """`Volunteer.objects.filter(anonymous_key=key, user__isnull=True).first()`, without compiling the ORM's
    query on every browser classification (the key is unique, so there is no order to choose)."""
    try:
        anonymous_key = uuid.UUID(str(key))
    except ValueError:
        return None
    sql, fields = _anonymous_lookup()
    # Prepared once per connection, and the connection's health check too (hunt.core.db).
    row = prepared_fetchone(sql, [anonymous_key])
    return None if row is None else Volunteer.from_db(connection.alias, fields, list(row))


def volunteer_for_request(request: HttpRequest, *, create: bool = True) -> Volunteer | None:
    """The volunteer behind this request: the account's, else the session's, else (optionally) a new one."""
    user = request.user
    if user.is_authenticated:
        try:
            return user.volunteer  # loaded with the user by token authentication
        except Volunteer.DoesNotExist:
            volunteer, _ = Volunteer.objects.get_or_create(user=user)
            return volunteer
    key = request.session.get(SESSION_KEY)
    if key:
        existing = _anonymous_volunteer(key)
        if existing is not None:
            return existing
    if not create:
        return None
    volunteer = Volunteer.objects.create()
    request.session[SESSION_KEY] = str(volunteer.anonymous_key)
    return volunteer


@transaction.atomic
def volunteer_claim(*, request: HttpRequest, user: User) -> Volunteer | None:
    """Give the anonymous work of this session to `user` (called on sign-up and log-in).

    A user without a volunteer row simply takes over the anonymous one; a user who already has one gets the
    anonymous rows merged in by the registered handlers, and the anonymous identity is deleted.
    """
    key = request.session.pop(SESSION_KEY, None)
    if not key:
        return None
    anonymous = (
        Volunteer.objects.select_for_update().filter(anonymous_key=key, user__isnull=True).first()
    )
    if anonymous is None:
        return None
    existing = Volunteer.objects.select_for_update().filter(user=user).first()
    if existing is None:
        anonymous.user = user
        anonymous.save(update_fields=["user"])
        return anonymous
    for handler in _merge_handlers:
        handler(anonymous, existing)
    anonymous.delete()
    return existing


@transaction.atomic
def user_sign_up(*, request: HttpRequest, username: str, password: str, email: str = "") -> User:
    """Create a volunteer account, log it in and keep what the session did anonymously."""
    user: User = get_user_model().objects.create_user(
        username=username, email=email, password=password
    )
    login(
        request, user, backend="django.contrib.auth.backends.ModelBackend"
    )  # fires user_logged_in, which claims the anonymous volunteer
    return user


@transaction.atomic
def user_role_set(*, user: User, scientist: bool) -> None:
    group, _ = Group.objects.get_or_create(name=SCIENTIST_GROUP)
    if scientist:
        user.groups.add(group)
    else:
        user.groups.remove(group)
