"""Talk writes: discussions, comments (with their tags and mentions), reports and moderation.

Every rule about who may do what lives here, so the HTML views and the API cannot drift apart: posting needs
an account; only the author edits or deletes a comment; only admins hide and restore; a reporter reports a
comment once.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from hunt.accounts.roles import is_admin
from hunt.subjects.models import Subject
from hunt.talk.markdown import HASHTAG_RE, MENTION_RE, Rendered, render
from hunt.talk.models import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Board,
    Comment,
    CommentReport,
    CommentTag,
    Discussion,
    Mention,
    Tag,
)


@dataclass
class TalkError(Exception):
    """A refused Talk action, with the HTTP status an API or page should answer."""

    message: str
    status: int = 400
    code: str = "invalid"

    def __str__(self) -> str:
        return self.message


Actor = User | AnonymousUser


def _require_account(user: Actor) -> User:
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise TalkError("Log in or sign up to join the discussion.", 403, "login_required")
    return user


# A comment with 1,600 #tags took 3 s and created 1,600 tags; a real one needs a handful.
MAX_TAGS = 10
MAX_MENTIONS = 10
_TOO_MANY = f"A comment can have at most {MAX_TAGS} #tags and {MAX_MENTIONS} @mentions."


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise TalkError("Write something before posting.", 400, "empty")
    if len(body) > BODY_MAX_LENGTH:
        raise TalkError(
            f"A comment can be at most {BODY_MAX_LENGTH:,} characters.", 400, "too_long"
        )
    return body


def _resolve_users(names: set[str]) -> dict[str, str]:
    User = get_user_model()
    # Usernames are case-sensitive in Django, but "@Alice" meaning alice is what people expect. The
    # lower() comparison scans the users table: fine at a comment's rate, and only when a comment has a @.
    found = (
        User.objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=names, is_active=True)
        .values_list("username", flat=True)
    )
    result: dict[str, str] = {}
    # When two accounts differ only in case, the all-lower-case one wins (deterministic).
    for username in sorted(found, key=lambda name: (name != name.lower(), name)):
        result.setdefault(username.lower(), username)
    return result


def _render(body: str) -> Rendered:
    # A cheap upper bound first (raw text, code blocks included), so 1,600 #tags cost no rendering at all.
    if (
        len(set(HASHTAG_RE.findall(body))) > 4 * MAX_TAGS
        or len(MENTION_RE.findall(body)) > 4 * MAX_MENTIONS
    ):
        raise TalkError(_TOO_MANY, 400, "too_many_tags")
    rendered = render(body, resolve_users=_resolve_users)
    if len(rendered.tags) > MAX_TAGS or len(rendered.mentions) > MAX_MENTIONS:
        raise TalkError(_TOO_MANY, 400, "too_many_tags")
    return rendered


def _sync_tags_and_mentions(comment: Comment, rendered: Rendered, *, author_id: int) -> None:
    CommentTag.objects.filter(comment=comment).exclude(tag__name__in=rendered.tags).delete()
    for name in rendered.tags:
        tag, _ = Tag.objects.get_or_create(name=name)
        CommentTag.objects.get_or_create(
            comment=comment, tag=tag, defaults={"created_at": comment.created_at}
        )
    User = get_user_model()
    users = list(
        User.objects.filter(username__in=rendered.mentions)
        .exclude(pk=author_id)
        .values_list("pk", flat=True)
    )
    Mention.objects.filter(comment=comment).exclude(user_id__in=users).delete()
    for user_id in users:
        Mention.objects.get_or_create(comment=comment, user_id=user_id)


def _touch(discussion_id: int, *, added: int) -> None:
    Discussion.objects.filter(pk=discussion_id).update(
        comment_count=F("comment_count") + added, last_comment_at=timezone.now()
    )


def discussion_for_subject(*, subject: Subject) -> Discussion:
    """The subject's discussion, created on first use (a unique constraint settles a race)."""
    discussion, _ = Discussion.objects.get_or_create(subject=subject)
    return discussion


@transaction.atomic
def comment_create(*, discussion: Discussion, author: Actor, body: str) -> Comment:
    account = _require_account(author)
    body = _clean_body(body)
    rendered = _render(body)
    comment = Comment.objects.create(
        discussion=discussion, author=account, body=body, body_html=rendered.html
    )
    _sync_tags_and_mentions(comment, rendered, author_id=account.pk)
    _touch(discussion.pk, added=1)
    return comment


@transaction.atomic
def subject_comment_create(*, subject: Subject, author: Actor, body: str) -> Comment:
    _require_account(author)
    return comment_create(
        discussion=discussion_for_subject(subject=subject), author=author, body=body
    )


@transaction.atomic
def discussion_create(*, board: Board, author: Actor, title: str, body: str) -> Discussion:
    """A new topic on a board, with its first comment."""
    account = _require_account(author)
    title = " ".join(title.split())
    if not title:
        raise TalkError("Give the discussion a title.", 400, "no_title")
    if len(title) > TITLE_MAX_LENGTH:
        raise TalkError(f"A title can be at most {TITLE_MAX_LENGTH} characters.", 400, "too_long")
    body = _clean_body(body)
    discussion = Discussion.objects.create(board=board, title=title, created_by=account)
    comment_create(discussion=discussion, author=author, body=body)
    return discussion


def _own_live_comment(comment: Comment, user: Actor) -> None:
    _require_account(user)
    if comment.author_id != user.pk:
        raise TalkError("Only its author can change a comment.", 403, "not_author")
    if comment.is_deleted:
        raise TalkError("This comment was deleted.", 409, "deleted")
    if comment.is_hidden:
        raise TalkError("A moderator hid this comment; it can't be changed.", 409, "hidden")


@transaction.atomic
def comment_update(*, comment: Comment, user: Actor, body: str) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    _own_live_comment(comment, user)
    body = _clean_body(body)
    if body == comment.body:
        return comment
    rendered = _render(body)
    comment.body = body
    comment.body_html = rendered.html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    _sync_tags_and_mentions(comment, rendered, author_id=comment.author_id)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user: Actor) -> Comment:
    """The author withdraws a comment: its text, tags and mentions go; a "deleted" placeholder stays so
    that replies keep their context."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    _own_live_comment(comment, user)
    comment.body = ""
    comment.body_html = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "deleted_at"])
    CommentTag.objects.filter(comment=comment).delete()
    Mention.objects.filter(comment=comment).delete()
    _sync_title_hidden(comment.discussion_id)
    return comment


def _sync_title_hidden(discussion_id: int) -> None:
    """A board topic's title belongs to its first comment: shown only while that comment is."""
    first = Comment.objects.filter(discussion_id=discussion_id).order_by("created_at", "id").first()
    hidden = first is not None and not first.is_visible
    Discussion.objects.filter(pk=discussion_id).exclude(title_hidden=hidden).update(
        title_hidden=hidden
    )


def _require_admin(user: Actor) -> User:
    if not isinstance(user, User) or not is_admin(user):
        raise TalkError("Only admins moderate comments.", 403, "not_admin")
    return user


@transaction.atomic
def comment_hide(*, comment: Comment, user: Actor) -> Comment:
    """Hide a comment from everyone but admins; its open reports count as handled."""
    admin = _require_admin(user)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    now = timezone.now()
    if comment.hidden_at is None:
        comment.hidden_at = now
        comment.hidden_by = admin
        comment.save(update_fields=["hidden_at", "hidden_by"])
    comment.reports.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=admin)
    _sync_title_hidden(comment.discussion_id)
    return comment


@transaction.atomic
def comment_restore(*, comment: Comment, user: Actor) -> Comment:
    _require_admin(user)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.hidden_at is not None:
        comment.hidden_at = None
        comment.hidden_by = None
        comment.save(update_fields=["hidden_at", "hidden_by"])
    _sync_title_hidden(comment.discussion_id)
    return comment


@transaction.atomic
def reports_dismiss(*, comment: Comment, user: Actor) -> int:
    """An admin looked at the reports and keeps the comment: the reports leave the queue."""
    admin = _require_admin(user)
    return comment.reports.filter(resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=admin
    )


def comment_report(*, comment: Comment, user: Actor, reason: str = "") -> CommentReport:
    account = _require_account(user)
    if comment.author_id == account.pk:
        raise TalkError("You can delete your own comment instead of reporting it.", 400, "own")
    if not comment.is_visible:
        raise TalkError("This comment is no longer shown.", 409, "not_visible")
    try:
        with transaction.atomic():
            return CommentReport.objects.create(
                comment=comment, reporter=account, reason=reason.strip()[:500]
            )
    except IntegrityError as error:
        # Only the one-report-per-reporter constraint means "already reported"; anything else is a bug.
        if "talk_commentreport_once_per_reporter" not in str(error):
            raise
        raise TalkError(
            "You have already reported this comment.", 409, "already_reported"
        ) from error


def mentions_mark_read(*, user: Actor) -> int:
    account = _require_account(user)
    return Mention.objects.filter(user=account, read_at__isnull=True).update(read_at=timezone.now())
