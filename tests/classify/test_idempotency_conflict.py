"""A17: an idempotency key replayed with a different subject or answer is a 409, not the original."""

import uuid
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from hunt.classify.models import Classification, Workflow

CLASSIFY = reverse("api-classifications")


def test_a_replay_with_another_payload_is_a_409(make_workflow: Callable[..., Workflow]) -> None:
    make_workflow(3)
    client = Client()
    subject = client.get(reverse("api-subject-next")).json()["id"]
    key = str(uuid.uuid4())
    body = {"subject": subject, "answer": "galaxy", "idempotency_key": key}
    assert client.post(CLASSIFY, body, content_type="application/json").status_code == 201
    # The same request again: the original, unchanged.
    assert client.post(CLASSIFY, body, content_type="application/json").status_code == 200
    changed = client.post(CLASSIFY, {**body, "answer": "cluster"}, content_type="application/json")
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_conflict"
    assert Classification.objects.get().answer == "galaxy"
