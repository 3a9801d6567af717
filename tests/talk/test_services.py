"""Talk's rules, through its services: posting, tags and mentions, editing, deleting, moderation, reports."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from hunt.subjects.models import Subject
from hunt.talk.models import Board, Comment, CommentReport, Discussion, Mention, Tag
from hunt.talk.selectors import tags_trending
from hunt.talk.services import (
    TalkError,
    comment_delete,
    comment_hide,
    comment_report,
    comment_restore,
    comment_update,
    discussion_create,
    subject_comment_create,
)


def test_the_first_comment_starts_the_subjects_discussion_and_later_ones_join_it(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any, subject: Subject
) -> None:
    first = post(volunteer, "Odd blob")
    second = post(other_volunteer, "Agreed")

    discussion = Discussion.objects.get(subject=subject)
    assert first.discussion_id == second.discussion_id == discussion.pk
    assert discussion.comment_count == 2
    assert discussion.last_comment_at is not None


def test_tags_and_mentions_are_stored_with_the_comment(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any
) -> None:
    comment = post(volunteer, "A #Merger? @BOB what do you think? @alice (me) @ghost")

    assert list(comment.tags.values_list("name", flat=True)) == ["merger"]
    # Mentioning yourself or nobody notifies nobody.
    assert list(Mention.objects.values_list("user__username", flat=True)) == ["bob"]
    assert '<a href="/talk/users/bob/" class="mention"' in comment.body_html


def test_anonymous_readers_cannot_post(subject: Subject) -> None:
    with pytest.raises(TalkError) as error:
        subject_comment_create(subject=subject, author=AnonymousUser(), body="hi")
    assert error.value.status == 403
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n "])
def test_empty_comments_are_refused(volunteer: Any, subject: Subject, body: str) -> None:
    with pytest.raises(TalkError, match="Write something"):
        subject_comment_create(subject=subject, author=volunteer, body=body)


def test_authors_edit_their_own_comment_and_its_tags_follow(
    post: Callable[..., Comment], volunteer: Any
) -> None:
    comment = post(volunteer, "#lensing arc")
    comment_update(comment=comment, user=volunteer, body="not an arc, an #artefact")
    comment.refresh_from_db()

    assert comment.edited_at is not None
    assert "#artefact" in comment.body_html
    assert "lensing" not in comment.body_html
    assert list(comment.tags.values_list("name", flat=True)) == ["artefact"]


def test_nobody_else_edits_or_deletes_a_comment(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any, admin: Any
) -> None:
    comment = post(volunteer, "mine")
    for user in (other_volunteer, admin):
        with pytest.raises(TalkError) as error:
            comment_update(comment=comment, user=user, body="theirs")
        assert error.value.status == 403
        with pytest.raises(TalkError):
            comment_delete(comment=comment, user=user)
    comment.refresh_from_db()
    assert comment.body == "mine"
    assert comment.deleted_at is None


def test_deleting_blanks_the_text_and_drops_tags_and_mentions(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any
) -> None:
    comment = post(volunteer, "#merger @bob")
    comment_delete(comment=comment, user=volunteer)
    comment.refresh_from_db()

    assert comment.is_deleted
    assert comment.body == ""
    assert comment.body_html == ""
    assert not comment.tags.exists()
    assert not Mention.objects.exists()
    with pytest.raises(TalkError):
        comment_update(comment=comment, user=volunteer, body="back")


def test_only_admins_hide_and_restore(
    post: Callable[..., Comment], volunteer: Any, scientist: Any, admin: Any
) -> None:
    comment = post(volunteer, "rude")
    for user in (volunteer, scientist):
        with pytest.raises(TalkError) as error:
            comment_hide(comment=comment, user=user)
        assert error.value.status == 403

    comment_hide(comment=comment, user=admin)
    comment.refresh_from_db()
    assert comment.is_hidden
    assert comment.hidden_by == admin
    with pytest.raises(TalkError):
        comment_restore(comment=comment, user=scientist)

    comment_restore(comment=comment, user=admin)
    comment.refresh_from_db()
    assert comment.is_visible
    assert comment.hidden_by is None


def test_a_hidden_comment_cannot_be_edited_by_its_author(
    post: Callable[..., Comment], volunteer: Any, admin: Any
) -> None:
    comment = post(volunteer, "rude")
    comment_hide(comment=comment, user=admin)
    with pytest.raises(TalkError, match="moderator"):
        comment_update(comment=comment, user=volunteer, body="sorry")


def test_a_person_reports_a_comment_once_and_hiding_resolves_reports(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any, scientist: Any, admin: Any
) -> None:
    comment = post(volunteer, "spam")
    comment_report(comment=comment, user=other_volunteer, reason="spam")
    comment_report(comment=comment, user=scientist)
    with pytest.raises(TalkError) as error:
        comment_report(comment=comment, user=other_volunteer)
    assert error.value.status == 409
    with pytest.raises(TalkError):
        comment_report(comment=comment, user=volunteer)  # your own: delete it instead

    comment_hide(comment=comment, user=admin)
    assert CommentReport.objects.filter(resolved_at__isnull=True).count() == 0
    assert CommentReport.objects.filter(resolved_by=admin).count() == 2


def test_trending_tags_count_only_shown_comments(
    post: Callable[..., Comment], volunteer: Any, other_volunteer: Any, admin: Any
) -> None:
    post(volunteer, "#merger #lensing")
    post(other_volunteer, "#merger")
    hidden = post(other_volunteer, "#lensing #lensing #spam")
    comment_hide(comment=hidden, user=admin)

    assert tags_trending() == [("merger", 2), ("lensing", 1)]
    assert Tag.objects.filter(name="spam").exists()  # the tag exists; it just isn't trending


def test_board_discussions_need_a_title_and_start_with_a_comment(
    boards: dict[str, Board], volunteer: Any
) -> None:
    with pytest.raises(TalkError, match="title"):
        discussion_create(board=boards["help"], author=volunteer, title="  ", body="?")
    discussion = discussion_create(
        board=boards["help"], author=volunteer, title="How do I  spot a lens?", body="#lensing"
    )
    assert discussion.title == "How do I spot a lens?"
    assert discussion.comments.get().tags.get().name == "lensing"
