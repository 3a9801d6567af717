"""A4/A5: a long thread renders a page at a time; every API list caps ?limit= and documents its envelope."""

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from hunt.core.pagination import MAX_LIMIT
from hunt.subjects.models import Subject
from hunt.talk.models import Comment
from hunt.talk.views import THREAD_PAGE_SIZE

COUNT = 2 * THREAD_PAGE_SIZE + 20


@pytest.fixture
def long_thread(post: Callable[..., Comment], volunteer: Any, subject: Subject) -> list[Comment]:
    first = post(volunteer, "The first word #merger")
    Comment.objects.bulk_create(
        Comment(
            discussion=first.discussion, author=volunteer, body=f"n{n}", body_html=f"<p>n{n}</p>"
        )
        for n in range(COUNT - 1)
    )
    return list(Comment.objects.filter(discussion=first.discussion).order_by("created_at", "id"))


def _shown(html: str) -> int:
    return html.count("data-comment-id=")


def test_a_long_thread_is_paginated(
    client: Client, subject: Subject, long_thread: list[Comment]
) -> None:
    url = reverse("talk:subject", args=[subject.pk])
    assert _shown(client.get(url).content.decode()) == THREAD_PAGE_SIZE
    last = client.get(url, {"page": 3}).content.decode()
    assert _shown(last) == COUNT - 2 * THREAD_PAGE_SIZE
    assert "Earlier comments" in last


def test_a_comment_link_opens_the_page_that_holds_it(
    client: Client, long_thread: list[Comment]
) -> None:
    target = long_thread[THREAD_PAGE_SIZE + 5]
    html = client.get(target.get_absolute_url()).content.decode()
    assert f'id="comment-{target.pk}"' in html
    assert "Page 2 of 3" in html


def test_posting_to_a_long_thread_redirects_to_the_last_page(
    volunteer_client: Client, subject: Subject, long_thread: list[Comment]
) -> None:
    url = reverse("talk:subject", args=[subject.pk])
    response = volunteer_client.post(url, {"body": "One more"})
    assert response.status_code == 302
    page = volunteer_client.get(response["Location"]).content.decode()
    assert "One more" in page


@pytest.mark.parametrize("params", [{"limit": 1_000_000}, {"limit": 1_000_000, "offset": 10**30}])
def test_api_lists_cap_the_limit(
    client: Client, long_thread: list[Comment], params: dict[str, int]
) -> None:
    response = client.get(reverse("api-talk-tag-comments", args=["merger"]), params)
    assert response.status_code == 200
    for name in ("api-talk-subject-comments",):
        subject_id = long_thread[0].discussion.subject_id
        body = client.get(reverse(name, args=[subject_id]), params).json()
        assert len(body["results"]) <= MAX_LIMIT


def test_the_thread_api_returns_at_most_max_limit(
    client: Client, long_thread: list[Comment]
) -> None:
    subject_id = long_thread[0].discussion.subject_id
    url = reverse("api-talk-subject-comments", args=[subject_id])
    body = client.get(url, {"limit": 1_000_000}).json()
    assert body["count"] == COUNT
    assert len(body["results"]) == min(COUNT, MAX_LIMIT)


@pytest.mark.django_db
def test_paginated_lists_are_documented_as_envelopes(client: Client) -> None:
    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    paginated = {
        "/api/classifications/mine/", "/api/collections/", "/api/collections/{key}/items/",
        "/api/talk/discussions/", "/api/talk/discussions/{id}/comments/",
        "/api/talk/subjects/{id}/comments/", "/api/talk/tags/{name}/comments/",
    }  # fmt: skip
    paths = schema["paths"]
    for path in paginated:
        matches = [
            p for p in paths if p.replace("{pk}", "{id}").replace("{subject_id}", "{id}") == path
        ]
        assert matches, (path, sorted(paths))
        content = paths[matches[0]]["get"]["responses"]["200"]["content"]["application/json"]
        ref = content["schema"]["$ref"].rsplit("/", 1)[-1]
        properties = schema["components"]["schemas"][ref]["properties"]
        assert {"count", "next", "previous", "results"} <= set(properties), path
