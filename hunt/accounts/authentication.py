"""Token authentication that loads the user and their volunteer in one precompiled query.

Scripts classify through the hot write path, where the ORM's compilation of this three-table lookup cost
more than the query itself; the SQL is built once from the models' metadata, and the rows become model
instances with `from_db`, as the ORM would make them.
"""

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from hunt.accounts.models import Volunteer
from hunt.core.db import prepared_fetchone


@cache
def _lookup() -> tuple[str, list[str], list[str], list[str]]:
    """The SQL and the field names of the token, user and volunteer columns it returns, in order."""
    user_model = get_user_model()
    parts: list[tuple[type[Model], str]] = [(Token, "t"), (user_model, "u"), (Volunteer, "v")]
    fields = [[f.attname for f in model._meta.concrete_fields] for model, _alias in parts]
    columns = ", ".join(
        f'{alias}."{f.column}"' for model, alias in parts for f in model._meta.concrete_fields
    )
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {columns} FROM {quote(Token._meta.db_table)} t "
        f"JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} = t.user_id "
        f"LEFT JOIN {quote(Volunteer._meta.db_table)} v ON v.user_id = u.{quote(user_model._meta.pk.column)} "
        "WHERE t.key = %s"
    )
    return sql, *fields  # type: ignore[return-value]


class VolunteerTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        sql, token_fields, user_fields, volunteer_fields = _lookup()
        # Prepared once per connection, and the connection's health check too (hunt.core.db).
        found = prepared_fetchone(sql, [key])
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = list(found)
        token_values = row[: len(token_fields)]
        user_values = row[len(token_fields) : len(token_fields) + len(user_fields)]
        volunteer_values = row[len(token_fields) + len(user_fields) :]
        user = get_user_model().from_db(DEFAULT_DB_ALIAS, user_fields, user_values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if volunteer_values[0] is not None:
            # Cached on the user, as select_related would: `user.volunteer` costs no query.
            user.volunteer = Volunteer.from_db(DEFAULT_DB_ALIAS, volunteer_fields, volunteer_values)
        token = Token.from_db(DEFAULT_DB_ALIAS, token_fields, token_values)
        token.user = user
        return (user, token)
