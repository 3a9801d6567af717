"""The API against its own OpenAPI schema, every operation, with Schemathesis.

The schema is the one `/api/schema/` serves; the requests go to the WSGI application in this process, on the
test database, as an anonymous client and as a volunteer with a token. Each operation gets a bounded number
of generated requests (`MAX_EXAMPLES`, from the schema's examples and Hypothesis' fuzzing), and each response
must be no server error, have a documented status code, and match the documented body.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hunt.wsgi import application
from tests.factories import SubjectFactory

MAX_EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _schema() -> Any:
    """The schema `/api/schema/` serves (it needs no database), with a bounded number of examples."""
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    # The examples and fuzzing phases: fuzzing's example count is the bound (coverage has none).
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    loaded.config.generation.update(max_examples=MAX_EXAMPLES)
    return loaded


schema = _schema()


@pytest.fixture
def in_process(db: None) -> Iterator[None]:
    """Requests served in this thread share the test's transaction: Django must not close its connection
    at the end of each one (its test client does the same)."""
    SubjectFactory.create_batch(3)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.django_db
@schema.parametrize()
@SETTINGS
def test_anonymous(case: Any, in_process: None) -> None:
    case.call_and_validate(checks=CHECKS)


@pytest.fixture
def volunteer_token(in_process: None, volunteer: Any) -> str:
    return str(Token.objects.create(user=volunteer).key)


@pytest.mark.django_db
@schema.parametrize()
@SETTINGS
def test_volunteer(case: Any, volunteer_token: str) -> None:
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Token {volunteer_token}"})
