"""The Talk API: same permissions as the pages; hidden comments never leak; writes are throttled."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from hunt.subjects.models import Subject
from hunt.talk.models import Board, Comment
from hunt.talk.services import comment_hide


def _subject_comments(client: Client, subject: Subject) -> list[dict[str, Any]]:
    response = client.get(reverse("api-talk-subject-comments", args=[subject.pk]))
    assert response.status_code == 200
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_a_volunteer_posts_and_anyone_reads(volunteer_client: Client, subject: Subject) -> None:
    response = volunteer_client.post(
        reverse("api-talk-subject-comments", args=[subject.pk]),
        {"body": "Look: a #merger"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tags"] == ["merger"]
    assert body["state"] == "visible"
    assert body["can_edit"]
    assert body["author"] == {"username": "alice", "role": "volunteer", "url": "/talk/users/alice/"}

    [read] = _subject_comments(Client(), subject)
    assert read["body"] == "Look: a #merger"
    assert read["can_edit"] is False
    assert 'class="hashtag"' in read["html"]


def test_anonymous_callers_cannot_write(
    subject: Subject, post: Callable[..., Comment], volunteer: Any
) -> None:
    comment = post(volunteer, "hi")
    client = Client()
    url = reverse("api-talk-subject-comments", args=[subject.pk])
    assert client.post(url, {"body": "x"}, content_type="application/json").status_code in (
        401,
        403,
    )
    detail = reverse("api-talk-comment", args=[comment.pk])
    assert client.patch(detail, {"body": "x"}, content_type="application/json").status_code in (
        401,
        403,
    )
    assert client.delete(detail).status_code in (401, 403)
    report = reverse("api-talk-comment-report", args=[comment.pk])
    assert client.post(report, {}, content_type="application/json").status_code in (401, 403)
    assert Comment.objects.get().body == "hi"


def test_only_the_author_edits_and_deletes(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any, volunteer_client: Client
) -> None:
    comment = post(volunteer, "typo")
    url = reverse("api-talk-comment", args=[comment.pk])
    bob = Client()
    bob.force_login(other_volunteer)
    refused = bob.patch(url, {"body": "hacked"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_author"
    assert bob.delete(url).status_code == 403

    edited = volunteer_client.patch(
        url, {"body": "fixed #lensing"}, content_type="application/json"
    )
    assert edited.status_code == 200
    assert edited.json()["edited_at"]
    assert edited.json()["tags"] == ["lensing"]
    assert volunteer_client.delete(url).status_code == 204
    gone = Client().get(url).json()
    assert gone["state"] == "deleted"
    assert gone["body"] is None
    assert gone["html"] is None


def test_hidden_comments_are_not_leaked_through_any_endpoint(
    post: Callable[..., Comment],
    volunteer: Any,
    admin: Any,
    scientist_client: Client,
    staff_client: Client,
    subject: Subject,
) -> None:
    hidden = post(volunteer, "SECRET-TEXT #leak")
    post(volunteer, "fine #leak")
    comment_hide(comment=hidden, user=admin)
    author = Client()
    author.force_login(volunteer)

    for client in (Client(), scientist_client, author):
        payloads = [
            *_subject_comments(client, subject),
            client.get(reverse("api-talk-comment", args=[hidden.pk])).json(),
            *client.get(reverse("api-talk-tag-comments", args=["leak"])).json()["results"],
            *client.get(
                reverse("api-talk-discussion-comments", args=[hidden.discussion_id])
            ).json()["results"],
        ]
        assert "SECRET-TEXT" not in str(payloads)
        shown_hidden = [p for p in payloads if p["id"] == hidden.pk]
        assert shown_hidden
        assert all(
            p["state"] == "hidden" and p["body"] is None and p["html"] is None and p["tags"] == []
            for p in shown_hidden
        )
    tag_page = Client().get(reverse("api-talk-tag-comments", args=["leak"])).json()
    assert [p["id"] for p in tag_page["results"]] != [hidden.pk]  # hidden ones are not listed there

    as_admin = staff_client.get(reverse("api-talk-comment", args=[hidden.pk])).json()
    assert as_admin["state"] == "hidden"
    assert as_admin["body"] == "SECRET-TEXT #leak"


def test_only_admins_moderate(
    post: Callable[..., Comment],
    volunteer: Any,
    volunteer_client: Client,
    scientist_client: Client,
    staff_client: Client,
) -> None:
    comment = post(volunteer, "hm")
    hide = reverse("api-talk-comment-hide", args=[comment.pk])
    restore = reverse("api-talk-comment-restore", args=[comment.pk])
    queue = reverse("api-talk-moderation")
    for client in (Client(), volunteer_client, scientist_client):
        assert client.post(hide).status_code in (401, 403)
        assert client.get(queue).status_code in (401, 403)
    comment.refresh_from_db()
    assert comment.is_visible

    assert staff_client.post(hide).json()["state"] == "hidden"
    assert staff_client.post(restore).json()["state"] == "visible"


def test_reports_reach_the_moderation_queue_once_per_reporter(
    post: Callable[..., Comment], volunteer: Any, scientist_client: Client, staff_client: Client
) -> None:
    comment = post(volunteer, "buy pills")
    url = reverse("api-talk-comment-report", args=[comment.pk])
    first = scientist_client.post(url, {"reason": "spam"}, content_type="application/json")
    again = scientist_client.post(url, {"reason": "spam!"}, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 409)

    [item] = staff_client.get(reverse("api-talk-moderation")).json()
    assert item["comment"]["id"] == comment.pk
    assert item["open_reports"] == [
        {
            "reporter": "charlie",
            "reason": "spam",
            "created_at": item["open_reports"][0]["created_at"],
        }
    ]


def test_posting_is_throttled_with_a_clear_429(
    volunteer_client: Client, subject: Subject, monkeypatch: pytest.MonkeyPatch
) -> None:
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "comment": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    url = reverse("api-talk-subject-comments", args=[subject.pk])
    codes = [
        volunteer_client.post(url, {"body": f"n{i}"}, content_type="application/json").status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    # Reading is never throttled by the write scope.
    assert volunteer_client.get(url).status_code == 200


def test_board_discussions_and_trending_tags(
    boards: dict[str, Board], volunteer_client: Client
) -> None:
    created = volunteer_client.post(
        reverse("api-talk-discussions"),
        {"board": "science", "title": "Arcs", "body": "#lensing arcs everywhere"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["board"] == "science"
    assert created.json()["comment_count"] == 1

    listed = Client().get(reverse("api-talk-discussions"), {"board": "science"}).json()
    assert [d["title"] for d in listed["results"]] == ["Arcs"]
    assert Client().get(reverse("api-talk-discussions"), {"board": "chat"}).json()["count"] == 0
    tags = Client().get(reverse("api-talk-tags")).json()
    assert tags == [{"name": "lensing", "uses": 1, "url": "/talk/tags/lensing/"}]
    boards_out = {
        b["slug"]: b["discussion_count"] for b in Client().get(reverse("api-talk-boards")).json()
    }
    assert boards_out == {"help": 0, "science": 1, "chat": 0}


def test_mentions_count_as_unread(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any
) -> None:
    post(volunteer, "@bob look")
    bob = Client()
    bob.force_login(other_volunteer)
    assert bob.get(reverse("api-talk-mentions-unread")).json() == {"unread": 1}
    bob.get(reverse("talk:mentions"))  # looking changes nothing (A9)
    assert bob.get(reverse("api-talk-mentions-unread")).json() == {"unread": 1}
    bob.post(reverse("talk:mentions_read"))
    assert bob.get(reverse("api-talk-mentions-unread")).json() == {"unread": 0}


def test_the_schema_documents_the_talk_endpoints(db: None) -> None:
    schema = Client().get(reverse("api-schema"), {"format": "json"}).json()
    for path in (
        "/api/talk/subjects/{id}/comments/",
        "/api/talk/comments/{id}/",
        "/api/talk/comments/{id}/report/",
        "/api/talk/comments/{id}/hide/",
        "/api/talk/tags/",
        "/api/talk/tags/{name}/comments/",
    ):
        assert path in schema["paths"], path
    assert "CommentOutput" in schema["components"]["schemas"]
