"""Talk pages: the subject page (viewer + thread + form), posting through forms, tags, badges, moderation."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from hunt.subjects.models import Subject
from hunt.talk.models import Board, Comment
from hunt.talk.services import (
    comment_delete,
    comment_hide,
    comment_report,
    comment_restore,
    discussion_create,
)


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_subject_page_has_the_viewer_and_asks_anonymous_readers_to_log_in(
    subject: Subject,
) -> None:
    html = _page(Client(), reverse("talk:subject", args=[subject.pk]))
    assert 'id="subject-viewer"' in html
    assert 'data-action="flip"' in html
    assert 'data-band-controls="optical"' in html
    assert 'id="subject-data"' in html
    assert "js/talk.js" in html
    assert "to join the discussion" in html
    assert 'id="comment-form"' not in html


def test_the_subject_page_keeps_its_old_address(subject: Subject) -> None:
    assert reverse("talk:subject", args=[subject.pk]) == f"/talk/subjects/{subject.pk}/"


def test_a_volunteer_posts_through_the_form_and_lands_on_the_comment(
    volunteer_client: Client, subject: Subject
) -> None:
    url = reverse("talk:subject", args=[subject.pk])
    response = volunteer_client.post(url, {"body": "A #merger? <script>alert(1)</script>"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}#comment-{comment.pk}"

    html = _page(Client(), url)
    assert f'id="comment-{comment.pk}"' in html
    assert '<a href="/talk/tags/merger/" class="hashtag"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_anonymous_form_posts_are_refused(subject: Subject) -> None:
    response = Client().post(reverse("talk:subject", args=[subject.pk]), {"body": "hi"})
    assert response.status_code == 200
    assert not Comment.objects.exists()


def test_the_form_shares_the_comment_throttle(
    volunteer_client: Client, subject: Subject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "comment": "2/min"},
    )
    url = reverse("talk:subject", args=[subject.pk])
    api = reverse("api-talk-subject-comments", args=[subject.pk])
    assert volunteer_client.post(url, {"body": "one"}).status_code == 302
    assert (
        volunteer_client.post(api, {"body": "two"}, content_type="application/json").status_code
        == 201
    )
    third = volunteer_client.post(url, {"body": "three"})
    assert third.status_code == 429
    assert "faster than we allow" in third.content.decode()
    assert Comment.objects.count() == 2


def test_scientists_and_admins_wear_a_badge(
    post: Callable[..., Comment], volunteer: Any, scientist: Any, admin: Any, subject: Subject
) -> None:
    post(volunteer, "v")
    post(scientist, "s")
    post(admin, "a")
    html = _page(Client(), reverse("talk:subject", args=[subject.pk]))
    assert html.count('class="role-badge role-scientist"') == 1
    assert html.count('class="role-badge role-admin"') == 1


def test_hidden_comments_show_a_placeholder_to_others_and_a_restore_button_to_admins(
    post: Callable[..., Comment],
    volunteer: Any,
    admin: Any,
    staff_client: Client,
    scientist_client: Client,
    subject: Subject,
) -> None:
    comment = post(volunteer, "SECRET-TEXT")
    comment_hide(comment=comment, user=admin)
    url = reverse("talk:subject", args=[subject.pk])

    for client in (Client(), scientist_client):
        html = _page(client, url)
        assert "This comment was hidden by a moderator." in html
        assert "SECRET-TEXT" not in html
    admin_html = _page(staff_client, url)
    assert "SECRET-TEXT" in admin_html
    assert reverse("talk:comment_restore", args=[comment.pk]) in admin_html

    assert staff_client.post(reverse("talk:comment_restore", args=[comment.pk])).status_code == 302
    assert "SECRET-TEXT" in _page(Client(), url)


def test_volunteers_cannot_use_the_moderation_pages(
    post: Callable[..., Comment], volunteer: Any, volunteer_client: Client, scientist_client: Client
) -> None:
    comment = post(volunteer, "x")
    for client in (volunteer_client, scientist_client):
        assert client.get(reverse("talk:moderation")).status_code == 403
        assert client.post(reverse("talk:comment_hide", args=[comment.pk])).status_code == 403
    assert Client().get(reverse("talk:moderation")).status_code == 302  # to log in
    comment.refresh_from_db()
    assert comment.is_visible


def test_the_moderation_queue_lists_reported_comments(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any, staff_client: Client
) -> None:
    comment = post(volunteer, "spam spam")
    innocent = post(other_volunteer, "a lovely merger")  # nobody reported it
    comment_report(comment=comment, user=other_volunteer, reason="advertising")
    html = _page(staff_client, reverse("talk:moderation"))
    assert f'id="comment-{comment.pk}"' in html
    assert "advertising" in html
    assert f'id="comment-{innocent.pk}"' not in html

    staff_client.post(reverse("talk:reports_dismiss", args=[comment.pk]))
    assert "advertising" not in _page(staff_client, reverse("talk:moderation"))


def test_edit_and_delete_own_comment_through_the_pages(
    post: Callable[..., Comment], volunteer: Any, volunteer_client: Client, other_volunteer: Any
) -> None:
    comment = post(volunteer, "first draft")
    edit = reverse("talk:comment_edit", args=[comment.pk])
    assert "first draft" in _page(volunteer_client, edit)
    assert volunteer_client.post(edit, {"body": "second draft"}).status_code == 302
    bob = Client()
    bob.force_login(other_volunteer)
    assert bob.get(edit).status_code == 403
    assert bob.post(reverse("talk:comment_delete", args=[comment.pk])).status_code == 403

    volunteer_client.post(reverse("talk:comment_delete", args=[comment.pk]))
    html = _page(Client(), comment.discussion.get_absolute_url())
    assert "deleted by its author" in html
    assert "second draft" not in html


def test_the_tag_page_lists_shown_comments_with_the_tag(
    post: Callable[..., Comment], volunteer: Any, admin: Any
) -> None:
    shown = post(volunteer, "a #lensing arc")
    hidden = post(volunteer, "HIDDEN #lensing")
    comment_hide(comment=hidden, user=admin)
    post(volunteer, "no tag here")

    html = _page(Client(), reverse("talk:tag", args=["lensing"]))
    assert f'id="comment-{shown.pk}"' in html
    assert "HIDDEN" not in html
    assert "1 comment tagged #lensing" in html
    assert Client().get("/talk/tags/Lensing/")["Location"] == "/talk/tags/lensing/"
    assert "Nobody has used #nothing yet" in _page(Client(), reverse("talk:tag", args=["nothing"]))


def test_the_front_page_shows_boards_recent_discussions_and_trending_tags(
    boards: dict[str, Board], post: Callable[..., Comment], volunteer: Any, subject: Subject
) -> None:
    post(volunteer, "#merger here")
    html = _page(Client(), reverse("talk:index"))
    for board in boards.values():
        assert board.get_absolute_url() in html
    assert f'href="/talk/subjects/{subject.pk}/">Subject {subject.pk}</a>' in html
    assert 'href="/talk/tags/merger/">#merger</a>' in html


def test_a_board_discussion_is_started_from_the_board_page(
    boards: dict[str, Board], volunteer_client: Client
) -> None:
    url = reverse("talk:board", args=["help"])
    response = volunteer_client.post(
        url, {"title": "What is zscale?", "body": "Asking for a friend"}
    )
    assert response.status_code == 302
    thread = _page(Client(), response["Location"])
    assert "What is zscale?" in thread
    assert "Asking for a friend" in thread
    assert "What is zscale?" in _page(Client(), url)


def test_a_discussion_title_goes_with_its_hidden_first_comment(
    boards: dict[str, Board], volunteer: Any, admin: Any
) -> None:
    # A16: hiding the opening comment left its title on the board, the thread and the API.
    discussion = discussion_create(
        board=boards["chat"], author=volunteer, title="RUDE-TITLE", body="rude body"
    )
    first = discussion.comments.get()
    comment_hide(comment=first, user=admin)
    api = reverse("api-talk-discussions") + "?board=chat"
    for url in (
        discussion.get_absolute_url(),
        boards["chat"].get_absolute_url(),
        reverse("talk:index"),
        api,
    ):
        assert "RUDE-TITLE" not in _page(Client(), url), url
    assert f"Discussion {discussion.pk}" in _page(Client(), discussion.get_absolute_url())

    comment_restore(comment=first, user=admin)
    assert "RUDE-TITLE" in _page(Client(), discussion.get_absolute_url())
    comment_delete(comment=first, user=volunteer)  # the author withdrawing it takes the title too
    assert "RUDE-TITLE" not in _page(Client(), api)


def test_user_pages_list_their_shown_comments(post: Callable[..., Comment], volunteer: Any) -> None:
    post(volunteer, "hello from alice")
    html = _page(Client(), reverse("talk:user", args=["alice"]))
    assert "hello from alice" in html
    assert Client().get(reverse("talk:user", args=["nobody"])).status_code == 404


def test_the_navigation_shows_unread_mentions_until_they_are_read(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any
) -> None:
    bob = Client()
    bob.force_login(other_volunteer)
    assert b"nav-badge" not in bob.get("/").content
    post(volunteer, "@bob look at this one, and this @bob")
    post(volunteer, "@bob and another")
    home = bob.get("/").content.decode()
    assert 'class="nav-badge"' in home
    assert ">2<span" in home  # two comments mention bob (one counts once)
    # A9: viewing the page (which an <img src> in a comment could make a browser do) marks nothing.
    page = bob.get(reverse("talk:mentions")).content.decode()
    assert 'class="nav-badge"' in page
    assert f'action="{reverse("talk:mentions_read")}"' in page
    assert 'class="nav-badge"' in bob.get("/").content.decode()
    assert bob.get(reverse("talk:mentions_read")).status_code == 405
    assert bob.post(reverse("talk:mentions_read")).status_code == 302
    assert b"nav-badge" not in bob.get("/").content
    assert "Mark all as read" not in bob.get(reverse("talk:mentions")).content.decode()
    assert b"nav-badge" not in Client().get("/").content  # anonymous: no count, no query
