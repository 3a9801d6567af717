"""The write path's statements prepared on the server (`hunt.core.db.prepared_cursor`), as production runs it.

Autocommit (no test transaction), so each statement is prepared once on the connection and reused; with the
threshold unset (DATABASE_PREPARED_STATEMENTS=False) the same requests run unprepared and answer the same.
"""

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hunt.classify.models import Classification, SubjectStatus, Workflow

CLASSIFY = reverse("api-classifications")
PAGE = reverse("classify:classify")

pytestmark = pytest.mark.django_db(transaction=True)


def _subjects(workflow: Workflow) -> list[int]:
    return list(
        SubjectStatus.objects.filter(workflow=workflow)
        .order_by("pk")
        .values_list("subject_id", flat=True)
    )


def _body(subject_id: int, **change: Any) -> dict[str, Any]:
    body = {"subject": subject_id, "answer": "cluster", "redshift": "low",
            "idempotency_key": str(uuid.uuid4()), "time_spent_ms": 3000}  # fmt: skip
    return {**body, **change}


def _prepared() -> list[tuple[str, str]]:
    """(statement, parameter types) of what this connection has prepared through the protocol."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, parameter_types::text FROM pg_prepared_statements WHERE NOT from_sql"
        )
        return list(cursor.fetchall())


@pytest.fixture
def fresh_connection() -> None:
    """A connection with nothing prepared yet (psycopg's cache and the server's agree)."""
    connection.close()
    connection.ensure_connection()


def _token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_the_token_lookup_and_the_statement_are_prepared_once(
    make_workflow: Callable[..., Workflow], volunteer: Any, fresh_connection: None
) -> None:
    workflow = make_workflow(6, gold=2)
    client = _token_client(volunteer)
    # Plain and gold subjects, times given and missing: a NULL carries no type, so psycopg keeps the
    # statement with and without a time apart; nothing else makes another.
    subjects = _subjects(workflow)
    for i, subject_id in enumerate(subjects):
        body = _body(subject_id, time_spent_ms=None) if i % 2 else _body(subject_id)
        response = client.post(CLASSIFY, body, format="json")
        assert response.status_code == 201, response.content
    prepared = _prepared()
    tokens = [types for sql, types in prepared if "authtoken_token" in sql]
    statements = [types for sql, types in prepared if sql.lstrip().startswith("WITH counted")]
    assert len(tokens) == 1, prepared
    assert len(statements) == 2, prepared
    # Every integer is bound as bigint, whatever its size (else each size would be a statement of its own).
    for types in statements:
        assert "smallint" not in types, types
        assert "integer" not in types, types
    stored = Classification.objects.filter(volunteer__user=volunteer).order_by("pk")
    assert [c.time_spent_ms for c in stored] == [
        None if i % 2 else 3000 for i in range(len(subjects))
    ]


def test_the_browser_lookup_is_prepared(
    make_workflow: Callable[..., Workflow], fresh_connection: None
) -> None:
    workflow = make_workflow(3)
    client = Client(enforce_csrf_checks=True)
    assert client.get(PAGE).status_code == 200
    csrf = client.cookies["csrftoken"].value
    for subject_id in _subjects(workflow):
        response = client.post(
            CLASSIFY, _body(subject_id), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
        )
        assert response.status_code == 201, response.content
    prepared = [sql for sql, _types in _prepared()]
    # The first classification creates the anonymous volunteer; the next ones look them up, prepared.
    assert len([sql for sql in prepared if "anonymous_key" in sql]) == 1, prepared
    assert len([sql for sql in prepared if sql.lstrip().startswith("WITH counted")]) == 1, prepared


def test_without_a_threshold_nothing_is_prepared_and_the_answers_are_the_same(
    make_workflow: Callable[..., Workflow], volunteer: Any, fresh_connection: None
) -> None:
    workflow = make_workflow(3)
    subjects = _subjects(workflow)
    client = _token_client(volunteer)
    raw = connection.connection
    raw.prepare_threshold = None  # what DATABASE_PREPARED_STATEMENTS=False leaves
    try:
        created = client.post(CLASSIFY, _body(subjects[0], time_spent_ms=None), format="json")
        assert created.status_code == 201, created.content
        replay = client.post(
            CLASSIFY, _body(subjects[0], idempotency_key=created.json()["idempotency_key"]),
            format="json",
        )  # fmt: skip
        duplicate = client.post(CLASSIFY, _body(subjects[0]), format="json")
        assert _prepared() == []
    finally:
        raw.prepare_threshold = connection.get_connection_params()["prepare_threshold"]
    assert replay.status_code == 200
    assert replay.json()["id"] == created.json()["id"]
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate"
    assert client.post(CLASSIFY, _body(subjects[1]), format="json").status_code == 201
    assert len([sql for sql, _types in _prepared() if sql.lstrip().startswith("WITH")]) == 1


def _drop_this_connection() -> None:
    """What a database restart or an idle timeout does to a kept connection: the server ends it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


@pytest.mark.parametrize("path", ["token", "browser"])
def test_a_connection_the_server_dropped_is_replaced_by_the_next_request(
    make_workflow: Callable[..., Workflow], volunteer: Any, path: str
) -> None:
    workflow = make_workflow(3)
    subjects = _subjects(workflow)
    if path == "token":
        client: Any = _token_client(volunteer)
        post: Callable[[int], Any] = lambda subject_id: client.post(  # noqa: E731
            CLASSIFY, _body(subject_id), format="json"
        )
    else:
        client = Client(enforce_csrf_checks=True)
        assert client.get(PAGE).status_code == 200
        csrf = client.cookies["csrftoken"].value
        post = lambda subject_id: client.post(  # noqa: E731
            CLASSIFY, _body(subject_id), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
        )
    assert post(subjects[0]).status_code == 201
    for subject_id in subjects[1:]:
        _drop_this_connection()
        close_old_connections()  # the request boundary (the test client leaves it out)
        response = post(subject_id)
        assert response.status_code == 201, response.content
    assert Classification.objects.filter(subject_id__in=subjects).count() == len(subjects)
