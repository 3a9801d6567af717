"""A volunteer's page and a subject's page."""

import uuid
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from hunt.classify.models import SubjectStatus, Workflow


def _classify(client: Client, subject: int, answer: str) -> None:
    response = client.post(
        reverse("api-classifications"),
        {"subject": subject, "answer": answer, "idempotency_key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_my_page_shows_my_count_and_gold_accuracy(make_workflow: Callable[..., Workflow]) -> None:
    workflow = make_workflow(0, gold=3, gold_label="point", hidden_gold_share=0.0)
    client = Client()
    subjects = list(
        SubjectStatus.objects.filter(workflow=workflow).values_list("subject_id", flat=True)
    )
    for subject, answer in zip(subjects, ["point", "point", "galaxy"], strict=True):
        _classify(client, subject, answer)

    html = client.get(reverse("classify:mine")).content.decode()

    assert '<strong id="my-total">3</strong>' in html
    assert "you agreed with the experts on 2 of 3" in html
    assert html.count(f'href="{reverse("talk:subject", args=[subjects[0]])}"') == 1


def test_my_page_is_empty_but_friendly_for_a_newcomer(db: None) -> None:
    html = Client().get(reverse("classify:mine")).content.decode()
    assert "Nothing yet" in html


def test_a_retired_subject_stays_viewable(
    make_workflow: Callable[..., Workflow], anonymous: Any
) -> None:
    workflow = make_workflow(1, retirement_limit=1)
    client = Client()
    subject = SubjectStatus.objects.get(workflow=workflow).subject_id
    _classify(client, subject, "other")
    page = Client().get(reverse("talk:subject", args=[subject]))
    assert page.status_code == 200
    assert "retired (classification_count)" in page.content.decode()
    assert "image not available" in page.content.decode()  # these test subjects have no cutouts
