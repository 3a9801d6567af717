"""`hunt.classify.fast_post`: the classification POST answered ahead of the stack, and the same as through it.

"fast" is the site as configured (the middleware answers a JSON classification on PostgreSQL); "full" is the
same site without that middleware, so every request goes through the whole stack to DRF's view. The marker
that the fast path answered is the missing Content-Security-Policy: the full stack adds one to every answer.
"""

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from hunt.classify.apis import ClassificationInput, classification_values
from hunt.classify.fast_post import PATH
from hunt.classify.models import Classification, SubjectStatus, Workflow
from hunt.core.parsers import json_problem

CLASSIFY = reverse("api-classifications")
PAGE = reverse("classify:classify")
FAST = "hunt.classify.fast_post.ClassificationPostMiddleware"


def _subjects(workflow: Workflow) -> list[int]:
    return list(
        SubjectStatus.objects.filter(workflow=workflow)
        .order_by("pk")
        .values_list("subject_id", flat=True)
    )


def _body(subject_id: int, **change: Any) -> dict[str, Any]:
    body = {"subject": subject_id, "answer": "cluster", "redshift": "low",
            "idempotency_key": str(uuid.uuid4()), "time_spent_ms": 1200,
            "viewer_state": {"stretch": "asinh", "bands": {"xray": True}}}  # fmt: skip
    return {**body, **change}


@pytest.fixture(params=["fast", "full"])
def stack(request: pytest.FixtureRequest, settings: Any) -> str:
    if request.param == "full":
        settings.MIDDLEWARE = [m for m in django_settings.MIDDLEWARE if m != FAST]
    return str(request.param)


def _answered_fast(response: Any) -> bool:
    return "Content-Security-Policy" not in response


def test_the_fast_path_serves_the_routed_url() -> None:
    assert PATH == CLASSIFY
    assert django_settings.MIDDLEWARE.index(FAST) == 1  # right after SecurityMiddleware
    assert django_settings.MIDDLEWARE[0] == "django.middleware.security.SecurityMiddleware"


@pytest.mark.django_db
def test_both_stacks_answer_alike(make_workflow: Callable[..., Workflow], stack: str) -> None:
    workflow = make_workflow(3, gold=1, gold_label="cluster_low_z")
    plain = _subjects(workflow)[0]
    gold = SubjectStatus.objects.get(workflow=workflow, is_gold=True).subject_id
    client = APIClient()
    body = _body(plain)
    created = client.post(CLASSIFY, body, format="json")
    assert created.status_code == 201, created.content
    assert _answered_fast(created) == (stack == "fast")
    assert created["Content-Type"] == "application/json"
    assert created["X-Frame-Options"] == "DENY"
    assert "POST" in created["Allow"]
    answer = created.json()
    assert set(answer) == {"id", "idempotency_key", "subject", "answer", "redshift", "created_at",
                           "feedback", "session_count", "talk_url"}  # fmt: skip
    assert (answer["subject"], answer["answer"], answer["redshift"]) == (plain, "cluster", "low")
    assert answer["idempotency_key"] == body["idempotency_key"]
    assert answer["talk_url"] == reverse("talk:subject", args=[plain])
    assert (answer["feedback"], answer["session_count"]) == (None, 1)
    stored = Classification.objects.get(pk=answer["id"])
    assert stored.viewer_state == body["viewer_state"]
    assert stored.time_spent_ms == 1200

    replay = client.post(CLASSIFY, body, format="json")
    assert (replay.status_code, replay.json()["id"]) == (200, answer["id"])
    twice = client.post(CLASSIFY, _body(plain), format="json")
    assert (twice.status_code, twice.json()["code"]) == (409, "duplicate")
    conflict = client.post(CLASSIFY, {**body, "answer": "galaxy", "redshift": ""}, format="json")
    assert (conflict.status_code, conflict.json()["code"]) == (409, "idempotency_conflict")
    unknown = client.post(CLASSIFY, _body(10**12), format="json")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_subject")
    no_workflow = client.post(CLASSIFY, _body(gold, workflow="no-such-flow"), format="json")
    assert (no_workflow.status_code, no_workflow.json()["code"]) == (404, "not_found")
    assert no_workflow.json()["detail"] == "no active workflow 'no-such-flow'"
    feedback = client.post(CLASSIFY, _body(gold), format="json").json()["feedback"]
    assert feedback == {"expert_label": "cluster_low_z", "expert_label_display": "Galaxy cluster, low redshift",
                        "agrees": True}  # fmt: skip
    assert Classification.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "status", "key", "fast"),
    [({"answer": "blob"}, 400, "answer", False),
     ({"idempotency_key": "x"}, 400, "idempotency_key", False),
     ({"viewer_state": {"Bad Key": 1}}, 400, "viewer_state", False),
     ({"time_spent_ms": -1}, 400, "time_spent_ms", False),
     ({"subject": "numeric string"}, 201, "id", False),  # DRF coerces "12"; the fast path leaves it to DRF
     ({"redshift": "high", "answer": "galaxy"}, 400, "code", True)],  # well-formed: the service refuses
)  # fmt: skip
def test_bodies_the_fast_path_does_not_take_get_the_serializers_answer(
    make_workflow: Callable[..., Workflow],
    change: dict[str, Any],
    status: int,
    key: str,
    fast: bool,
) -> None:
    workflow = make_workflow(4)
    subject = _subjects(workflow)[0]
    body = _body(subject, **change)
    if change.get("subject") == "numeric string":
        body["subject"] = str(subject)
    response = APIClient().post(CLASSIFY, body, format="json")
    assert _answered_fast(response) == fast
    assert response.status_code == status, response.content
    assert key in response.json()  # DRF's field errors for a bad shape, as before
    if fast:
        assert response.json()["code"] == "invalid"
        assert "redshift" in response.json()["detail"]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "refused"),
    [('"a\\u0000b"', True), ('"\\ud800"', True), ('{"k\\u0000": 1}', True),
     (_nested(40), True),
     ('{"x": ' + _nested(31) + "}", True),  # 33 levels with the body's own and "extra"'s
     ('{"x": ' + _nested(30) + "}", False),  # 32: the limit
     ('"' + "[" * 40 + '"', False),  # brackets in a string are no nesting
     ('"caf\u00e9 \\u00e9 \\n"', False)],  # escapes, but harmless ones
)  # fmt: skip
def test_hostile_json_beside_a_good_body_is_answered_as_the_parser_answers_it(
    make_workflow: Callable[..., Workflow], stack: str, extra: str, refused: bool
) -> None:
    """An unknown key is ignored by both validations, but its value still passes the parser's checks."""
    workflow = make_workflow(2)
    subject = _subjects(workflow)[0]
    text = json.dumps(_body(subject))[:-1] + f', "extra": {extra}}}'
    assert (json_problem(json.loads(text)) is not None) == refused  # the parser's own verdict
    response = APIClient().post(CLASSIFY, text.encode(), content_type="application/json")
    assert response.status_code == (400 if refused else 201), response.content
    # Refused bodies go down the whole stack, where the parser words the 400.
    assert _answered_fast(response) == (stack == "fast" and not refused)
    assert Classification.objects.count() == (0 if refused else 1)


@pytest.mark.django_db
def test_a_bad_token_is_drfs_401(make_workflow: Callable[..., Workflow], volunteer: Any) -> None:
    workflow = make_workflow(2)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    refused = client.post(CLASSIFY, _body(_subjects(workflow)[0]), format="json")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"] == "Token"
    assert refused.json()["code"] == "authentication_failed"
    token = Token.objects.create(user=volunteer)
    volunteer.is_active = False
    volunteer.save()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post(CLASSIFY, _body(_subjects(workflow)[0]), format="json").status_code == 401
    assert Classification.objects.count() == 0


@pytest.mark.django_db
def test_a_signed_in_session_needs_the_csrf_token_and_a_token_does_not(
    make_workflow: Callable[..., Workflow], volunteer: Any, stack: str
) -> None:
    workflow = make_workflow(3)
    first, second, third = _subjects(workflow)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(volunteer)
    browser.get(PAGE)  # the CSRF cookie, as the page sets it
    refused = browser.post(CLASSIFY, _body(first), content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    forged = browser.post(
        CLASSIFY, _body(first), content_type="application/json", HTTP_X_CSRFTOKEN="x" * 32
    )
    assert forged.status_code == 403
    assert Classification.objects.count() == 0
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        CLASSIFY, _body(first), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201
    assert _answered_fast(accepted) == (stack == "fast")
    # Signed in, the classification is the account's volunteer's.
    assert Classification.objects.get().volunteer.user == volunteer
    script = APIClient(enforce_csrf_checks=True)
    script.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=volunteer).key}")
    assert script.post(CLASSIFY, _body(second), format="json").status_code == 201
    # A token in the header wins over a session cookie without its CSRF token, as in DRF.
    mixed = browser.post(
        CLASSIFY, _body(third), content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=volunteer).key}",
    )  # fmt: skip
    assert mixed.status_code == 201
    assert Classification.objects.filter(volunteer__user=volunteer).count() == 3


@pytest.mark.django_db
def test_the_fast_answer_carries_the_production_security_headers(
    make_workflow: Callable[..., Workflow], settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    workflow = make_workflow(2)
    client = APIClient()
    insecure = client.post(CLASSIFY, _body(_subjects(workflow)[0]), format="json")
    assert insecure.status_code == 301  # HTTPS first, as for every request
    assert Classification.objects.count() == 0
    response = client.post(CLASSIFY, _body(_subjects(workflow)[0]), format="json", secure=True)
    assert response.status_code == 201
    assert _answered_fast(response)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_an_anonymous_volunteers_session_is_created_once_and_kept(
    make_workflow: Callable[..., Workflow],
) -> None:
    workflow = make_workflow(3)
    client = Client()
    counts = []
    for subject in _subjects(workflow):
        response = client.post(CLASSIFY, _body(subject), content_type="application/json")
        assert response.status_code == 201
        assert _answered_fast(response)
        counts.append(response.json()["session_count"])
    assert counts == [1, 2, 3]
    assert Classification.objects.values("volunteer").distinct().count() == 1
    assert "sessionid" in client.cookies


@pytest.mark.django_db
def test_the_classify_count_is_shared_by_both_stacks(
    make_workflow: Callable[..., Workflow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "classify": "2/min"},
    )
    workflow = make_workflow(4)
    subjects = _subjects(workflow)
    client = APIClient()
    fast = client.post(CLASSIFY, _body(subjects[0]), format="json")
    # A query string sends the request down the whole stack to DRF's view.
    full = client.post(f"{CLASSIFY}?via=drf", _body(subjects[1]), format="json")
    assert (_answered_fast(fast), _answered_fast(full)) == (True, False)
    assert (fast.status_code, full.status_code) == (201, 201)
    for url in (CLASSIFY, f"{CLASSIFY}?via=drf"):
        refused = client.post(url, _body(subjects[2]), format="json")
        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert refused.json()["detail"].startswith("Request was throttled. Expected available in")
        assert 1 <= int(refused["Retry-After"]) <= 60
    assert Classification.objects.count() == 2


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=2**64), st.floats(allow_nan=True),
    st.sampled_from(["", "cluster", "galaxy", "point", "low", "high", " low", "hunt", "hu nt", "3",
                     "6a8f2e3c-9d5b-4c1a-8e7f-1b2c3d4e5f60", "{6a8f2e3c-9d5b-4c1a-8e7f-1b2c3d4e5f60}",
                     "6a8f2e3c9d5b4c1a8e7f1b2c3d4e5f60", "a\x00b"]),
    st.dictionaries(st.sampled_from(["zoom", "Bad", "band"]), st.integers(0, 3), max_size=3),
    st.lists(st.integers(0, 3), max_size=2),
)  # fmt: skip
_FIELDS = ["subject", "workflow", "answer", "redshift", "idempotency_key", "time_spent_ms",
           "viewer_state", "extra"]  # fmt: skip


@given(st.dictionaries(st.sampled_from(_FIELDS), _VALUES, max_size=8))
@hypothesis_settings(max_examples=300, deadline=None, database=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))  # fmt: skip
def test_the_fast_validation_takes_only_what_the_serializer_takes(data: dict[str, Any]) -> None:
    fast = classification_values(data)
    serializer = ClassificationInput(data=data)
    valid = serializer.is_valid()
    if fast is None:
        return
    assert valid, (data, serializer.errors)
    expected = dict(serializer.validated_data)
    expected.setdefault("time_spent_ms", None)
    assert fast == expected


def test_the_fast_validation_takes_the_pages_body() -> None:
    body = _body(7)
    values = classification_values(body)
    assert values is not None
    assert values["idempotency_key"] == uuid.UUID(body["idempotency_key"])
    assert classification_values({**body, "workflow": None}) is None  # optional, never null
    assert classification_values({k: v for k, v in body.items() if k != "redshift"}) is not None


@pytest.mark.parametrize("subject_id", [1, 42, 987_654_321, 2**40])
def test_the_talk_url_is_the_reversed_one(subject_id: int) -> None:
    from hunt.classify.talk import talk_url

    assert talk_url(subject_id) == reverse("talk:subject", args=[subject_id])
