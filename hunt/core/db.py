"""Server-prepared statements for the hot write path on PostgreSQL (`prepared_cursor`).

Each classification runs two short statements (the token or volunteer lookup, then the one statement that
stores it). Sent as text with the values inlined, as Django's client-binding cursors send everything,
PostgreSQL parses and plans them every time, which cost more of its CPU than executing them: measured
in-process, 0.15 ms of backend CPU for the token lookup against 0.02 ms prepared, and 0.55-0.8 ms against
0.3-0.37 ms for the statement (docs/performance.md). A prepared statement is parsed and planned once per
connection and then only bound and executed.

`prepared_cursor` is a Django cursor (so query capture, execute wrappers and error translation behave as
for any other) around a server-binding psycopg cursor that asks for every statement to be prepared. psycopg
prepares only when the connection has a `prepare_threshold` (settings: DATABASE_PREPARED_STATEMENTS, on by
default); without one, and on other databases, it is an ordinary cursor and the statements run as before.
Prepared statements are per connection and kept by psycopg (at most `prepared_max`, 100 by default, least
recently used dropped first); callers keep their parameter types stable (`int8`) so that one statement
stays one prepared statement.
"""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
    TIMESTAMPTZ_OID,
    CursorDebugWrapper,
    ServerBindingCursor,
)
from django.db.backends.postgresql.psycopg_any import (  # type: ignore[import-untyped]
    mogrify,
    register_tzloader,
)
from django.db.backends.utils import CursorWrapper
from psycopg.pq import Format
from psycopg.types.numeric import Int8


def int8(value: int | None) -> int | None:
    """`value` bound as bigint whatever its size (psycopg picks int2, int4 or int8 by value, which would make
    one statement several prepared ones); None stays None."""
    return None if value is None else Int8(value)


class _PreparingCursor(ServerBindingCursor):
    """Server-side binding, and every statement prepared (psycopg reuses it on the next execution)."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                binary: bool | None = None) -> Any:  # fmt: skip
        return super().execute(query, params, prepare=True if prepare is None else prepare,
                               binary=binary)  # fmt: skip


class _DebugWrapper(CursorDebugWrapper):
    """What DEBUG and CaptureQueriesContext record: Django reads the text of the last query from a
    client-binding cursor, which a server-binding one does not keep, so it is composed here (only when
    queries are being logged) as the ordinary cursor would have sent it."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(mogrify(sql, params, self.db), params):
            return CursorWrapper.execute(self, sql, params)


def prepared_cursor() -> CursorWrapper:
    """A cursor whose statements PostgreSQL prepares once per connection; else `connection.cursor()`.

    As `connection.cursor()` does: the health check, the connection, then the cursor, wrapped by Django.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: each attribute of the `connection` proxy is a lookup
    if db.vendor != "postgresql":
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:  # DATABASE_PREPARED_STATEMENTS=False
        return db.cursor()
    with db.wrap_database_errors:
        cursor = _PreparingCursor(raw)
        # As Django's create_cursor: its timezone, only if the connection's adapters disagree.
        tzloader = raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if db.timezone != tzloader.timezone:
            register_tzloader(db.timezone, cursor)
        db.validate_thread_sharing()
        if db.queries_logged:
            return _DebugWrapper(cursor, db)
        return CursorWrapper(cursor, db)


def prepared_fetchone(sql: str, params: Any) -> tuple[Any, ...] | None:
    """The first row of a read-only statement run by `prepared_cursor`, or None.

    The statement doubles as the connection's health check (CONN_HEALTH_CHECKS): where Django would first
    send `SELECT 1` on a kept connection, this sends the lookup itself, and if the server dropped the
    connection meanwhile it reconnects and sends it again, which a read changes nothing by. A request
    then costs one round trip and one statement fewer, and a dropped connection is replaced as before.
    """
    db: Any = connections[DEFAULT_DB_ALIAS]  # the health-check attributes are untyped
    unchecked = (
        db.connection is not None
        and db.health_check_enabled
        and not db.health_check_done
        and not db.in_atomic_block
    )
    if unchecked:
        db.health_check_done = True  # this statement is the check
    try:
        return _fetchone(sql, params)
    except (OperationalError, InterfaceError):
        if not unchecked or db.is_usable():  # an error of the statement, not a dropped connection
            raise
        db.close()
    return _fetchone(sql, params)


def _fetchone(sql: str, params: Any) -> tuple[Any, ...] | None:
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
