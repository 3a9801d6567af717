"""The volunteer API over HTTP: anonymous sessions, CSRF, clear 4xx messages, replay, token scripts."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from hunt.classify.models import Classification, SubjectStatus, Workflow

NEXT = reverse("api-subject-next")
CLASSIFY = reverse("api-classifications")


def _post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(CLASSIFY, body, content_type="application/json")


def _body(subject: int, **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "answer": "cluster",
        "redshift": "low",
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def test_an_anonymous_volunteer_classifies_through_the_session(
    make_workflow: Callable[..., Workflow],
) -> None:
    make_workflow(3)
    client = Client()
    first = client.get(NEXT).json()
    assert set(first) >= {"id", "bands", "talk_url", "ra", "dec"}
    assert "label" not in str(first).lower()  # no truth for volunteers

    created = _post(client, _body(first["id"], time_spent_ms=4200, viewer_state={"blink": True}))
    assert created.status_code == 201
    assert created.json()["session_count"] == 1
    assert client.get(NEXT).json()["id"] != first["id"]
    stored = Classification.objects.get()
    assert stored.volunteer.is_anonymous
    assert stored.viewer_state == {"blink": True}


def test_the_same_key_twice_answers_200_with_the_original(
    make_workflow: Callable[..., Workflow],
) -> None:
    make_workflow(2)
    client = Client()
    subject = client.get(NEXT).json()["id"]
    body = _body(subject)
    assert _post(client, body).status_code == 201
    replay = _post(client, body)
    assert replay.status_code == 200
    assert replay.json()["session_count"] == 1
    assert Classification.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"answer": "blob"}, 400, "answer"),
        ({"idempotency_key": None}, 400, "idempotency_key"),
        ({"subject": 999_999}, 404, "not part of workflow"),
    ],
)
def test_bad_payloads_get_a_clear_4xx(
    make_workflow: Callable[..., Workflow], change: dict[str, Any], status: int, message: str
) -> None:
    make_workflow(2)
    client = Client()
    subject = client.get(NEXT).json()["id"]
    body = {k: v for k, v in {**_body(subject), **change}.items() if v is not None}
    response = _post(client, body)
    assert response.status_code == status
    assert message in str(response.json())


def test_duplicates_and_retired_subjects_are_409_with_a_code(
    make_workflow: Callable[..., Workflow],
) -> None:
    workflow = make_workflow(2, retirement_limit=1)
    client = Client()
    subject = client.get(NEXT).json()["id"]
    assert _post(client, _body(subject)).status_code == 201
    duplicate = _post(client, _body(subject))
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] in {"duplicate", "retired"}
    other = Client()
    retired = _post(other, _body(subject))
    assert retired.status_code == 409
    assert retired.json()["code"] == "retired"
    assert (
        SubjectStatus.objects.get(workflow=workflow, subject_id=subject).classification_count == 1
    )


def test_nothing_left_is_a_204(make_workflow: Callable[..., Workflow]) -> None:
    make_workflow(1)
    client = Client()
    subject = client.get(NEXT).json()["id"]
    _post(client, _body(subject))
    assert client.get(NEXT).status_code == 204


def test_anonymous_writes_need_the_csrf_token(make_workflow: Callable[..., Workflow]) -> None:
    make_workflow(2)
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("classify:classify"))  # sets the csrftoken cookie, as the page does
    subject = client.get(NEXT).json()["id"]
    refused = client.post(CLASSIFY, _body(subject), content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        CLASSIFY, _body(subject), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_a_script_classifies_with_a_token_and_reads_its_history(
    make_workflow: Callable[..., Workflow], volunteer: Any
) -> None:
    make_workflow(2)
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer).key}")
    subject = api.get(NEXT).json()["id"]
    assert api.post(CLASSIFY, _body(subject), format="json").status_code == 201
    history = api.get(reverse("api-my-classifications")).json()
    assert history["count"] == 1
    assert history["results"][0]["subject"] == subject


def test_classifying_is_throttled_per_volunteer_with_a_clear_429(
    make_workflow: Callable[..., Workflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "classify": "2/min"},
    )
    make_workflow(5)
    client = Client()
    codes = []
    for _ in range(3):
        subject = client.get(NEXT).json()["id"]
        codes.append(_post(client, _body(subject)).status_code)
    assert codes == [201, 201, 429]


def test_signing_up_keeps_anonymous_classifications(
    make_workflow: Callable[..., Workflow], password: str
) -> None:
    make_workflow(3)
    client = Client()
    subject = client.get(NEXT).json()["id"]
    _post(client, _body(subject))
    client.post(
        reverse("accounts:sign_up"),
        {"username": "newbie", "password1": password, "password2": password},
    )
    user = Classification.objects.get().volunteer.user
    assert user is not None
    assert user.username == "newbie"


def test_logging_in_merges_without_counting_a_subject_twice(
    make_workflow: Callable[..., Workflow], volunteer: Any, password: str
) -> None:
    workflow = make_workflow(3)
    account = Client()
    account.force_login(volunteer)
    subject = account.get(NEXT).json()["id"]
    _post(account, _body(subject))

    anonymous = Client()
    assert anonymous.get(NEXT).json()["id"] == subject  # same priority walk
    _post(anonymous, _body(subject, answer="point", redshift=""))
    other = anonymous.get(NEXT).json()["id"]
    _post(anonymous, _body(other))
    anonymous.post(
        reverse("accounts:login"), {"username": volunteer.username, "password": password}
    )

    assert Classification.objects.filter(volunteer__user=volunteer).count() == 2
    status = SubjectStatus.objects.get(workflow=workflow, subject_id=subject)
    assert (status.classification_count, status.point_count, status.cluster_count) == (1, 0, 1)
