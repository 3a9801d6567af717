"""Query-count guards on the classification write path, as production runs it (autocommit, no test savepoint).

The token path is the token lookup and one statement; the browser path (session cookie + CSRF, as the page
posts) is the volunteer lookup and the same statement, plus the session read unless a shared cache holds
sessions. Neither writes the session nor reads the workflow.
"""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hunt.classify.models import Classification, SubjectStatus, VolunteerProgress, Workflow

CLASSIFY = reverse("api-classifications")
PAGE = reverse("classify:classify")

pytestmark = pytest.mark.django_db(transaction=True)


def _body(subject_id: int) -> dict[str, Any]:
    return {"subject": subject_id, "answer": "cluster", "redshift": "low",
            "idempotency_key": str(uuid.uuid4()), "time_spent_ms": 3000}  # fmt: skip


def _subjects(workflow: Workflow) -> list[int]:
    return list(
        SubjectStatus.objects.filter(workflow=workflow)
        .order_by("pk")
        .values_list("subject_id", flat=True)
    )


def _kinds(queries: list[dict[str, Any]]) -> list[str]:
    return [q["sql"].split(None, 1)[0].upper() for q in queries]


def _assert_no_session_write_no_workflow_read(queries: list[dict[str, Any]]) -> None:
    sql = [q["sql"] for q in queries]
    assert not [s for s in sql if "django_session" in s and not s.startswith("SELECT")], sql
    assert not [s for s in sql if 'FROM "classify_workflow"' in s], sql
    assert not [s for s in sql if s.startswith(("SAVEPOINT", "BEGIN", "COMMIT"))], sql


def test_the_token_path_is_the_token_lookup_and_one_statement(
    make_workflow: Callable[..., Workflow], volunteer: Any
) -> None:
    workflow = make_workflow(3, gold=1)
    subjects = _subjects(workflow)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer).key}")
    assert client.post(CLASSIFY, _body(subjects[0]), format="json").status_code == 201  # warm

    for subject_id in subjects[1:]:  # plain and gold subjects alike
        with CaptureQueriesContext(connection) as captured:
            response = client.post(CLASSIFY, _body(subject_id), format="json")
        assert response.status_code == 201, response.content
        # The token (with its user and volunteer), then the one statement that writes.
        assert _kinds(captured.captured_queries) == ["SELECT", "WITH"], [q["sql"] for q in captured]
        _assert_no_session_write_no_workflow_read(captured.captured_queries)
    assert Classification.objects.filter(volunteer__user=volunteer).count() == len(subjects)
    progress = VolunteerProgress.objects.get(volunteer__user=volunteer, workflow=workflow)
    assert response.json()["session_count"] == progress.seen_count == len(subjects)


def _browser(workflow: Workflow) -> tuple[Client, str]:
    """A browser that loaded the classify page: it holds the CSRF cookie the page's script sends back."""
    client = Client(enforce_csrf_checks=True)
    assert client.get(PAGE).status_code == 200
    return client, client.cookies["csrftoken"].value


def _page_post(client: Client, token: str, subject_id: int) -> Any:
    return client.post(
        CLASSIFY, _body(subject_id), content_type="application/json",
        HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://testserver",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("engine", "statements"),
    [
        # With a shared cache the session is read from it: the volunteer lookup and the statement.
        ("django.contrib.sessions.backends.cached_db", ["SELECT", "WITH"]),
        # Database sessions add their SELECT, and still no write.
        ("django.contrib.sessions.backends.db", ["SELECT", "SELECT", "WITH"]),
    ],
)
def test_the_browser_path_writes_no_session_and_reads_no_workflow(
    make_workflow: Callable[..., Workflow], settings: Any, engine: str, statements: list[str]
) -> None:
    settings.SESSION_ENGINE = engine
    workflow = make_workflow(4, gold=1)
    subjects = _subjects(workflow)
    client, token = _browser(workflow)
    # The first classification creates the anonymous volunteer and stores it in the session (once).
    assert _page_post(client, token, subjects[0]).status_code == 201

    for count, subject_id in enumerate(subjects[1:], start=2):
        with CaptureQueriesContext(connection) as captured:
            response = _page_post(client, token, subject_id)
        assert response.status_code == 201, response.content
        assert _kinds(captured.captured_queries) == statements, [q["sql"] for q in captured]
        _assert_no_session_write_no_workflow_read(captured.captured_queries)
        assert response.json()["session_count"] == count
    # The page continues the count where the API left it.
    assert f'id="session-count">{len(subjects)}<' in client.get(PAGE).content.decode()


def test_the_full_stack_keeps_the_same_statements(
    make_workflow: Callable[..., Workflow], volunteer: Any
) -> None:
    """What the fast path hands on (here: a query string) reaches DRF's view, which writes the same way."""
    workflow = make_workflow(3)
    subjects = _subjects(workflow)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer).key}")
    assert client.post(f"{CLASSIFY}?via=drf", _body(subjects[0]), format="json").status_code == 201
    for subject_id in subjects[1:]:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"{CLASSIFY}?via=drf", _body(subject_id), format="json")
        assert response.status_code == 201, response.content
        assert "Content-Security-Policy" in response  # answered by the whole stack
        assert _kinds(captured.captured_queries) == ["SELECT", "WITH"], [q["sql"] for q in captured]
        _assert_no_session_write_no_workflow_read(captured.captured_queries)
