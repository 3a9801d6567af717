"""Talk reads: boards, recent discussions, threads, tag and user pages, trending tags, the moderation queue.

What a reader may see of a comment is decided in one place, `comment_visible_content`: hidden comments keep
their text only for admins, deleted comments for nobody.
"""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from hunt.accounts.roles import SCIENTIST_GROUP, is_admin
from hunt.talk.models import Board, Comment, CommentReport, CommentTag, Discussion, Mention, Tag

TRENDING_DAYS = 7

AnyUser = AbstractBaseUser | AnonymousUser


def _with_authors(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """Comments with their authors and the flag the role badge needs, in the same query."""
    from django.contrib.auth import get_user_model

    membership = get_user_model().groups.through.objects.filter(
        user_id=OuterRef("author_id"), group__name=SCIENTIST_GROUP
    )
    return comments.select_related("author", "hidden_by").annotate(
        author_is_scientist=Exists(membership)
    )


def boards_with_counts() -> QuerySet[Board]:
    return Board.objects.annotate(discussion_count=Count("discussions"))


def discussions_recent(*, limit: int = 10) -> QuerySet[Discussion]:
    return (
        Discussion.objects.filter(last_comment_at__isnull=False)
        .select_related("board", "subject")
        .order_by("-last_comment_at", "-id")[:limit]
    )


def discussions_of_board(*, board: Board) -> QuerySet[Discussion]:
    return (
        Discussion.objects.filter(board=board)
        .select_related("created_by")
        .order_by("-last_comment_at", "-id")
    )


def comments_of_discussion(*, discussion: Discussion) -> QuerySet[Comment]:
    return _with_authors(Comment.objects.filter(discussion=discussion)).order_by("created_at", "id")


def _visible(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.filter(hidden_at__isnull=True, deleted_at__isnull=True)


def comments_with_tag(*, tag: Tag) -> QuerySet[Comment]:
    return (
        _with_authors(_visible(Comment.objects.filter(comment_tags__tag=tag)))
        .select_related("discussion", "discussion__subject")
        .order_by("-created_at", "-id")
    )


def comments_of_user(*, user: AbstractBaseUser) -> QuerySet[Comment]:
    return (
        _with_authors(_visible(Comment.objects.filter(author_id=user.pk)))
        .select_related("discussion")
        .order_by("-created_at", "-id")
    )


def tags_trending(*, days: int = TRENDING_DAYS, limit: int = 12) -> list[tuple[str, int]]:
    """(tag, uses) in visible comments of the last `days` days, most used first."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        CommentTag.objects.filter(
            created_at__gte=since,
            comment__hidden_at__isnull=True,
            comment__deleted_at__isnull=True,
        )
        .values("tag__name")
        .annotate(uses=Count("id"))
        .order_by("-uses", "tag__name")[:limit]
    )
    return [(row["tag__name"], row["uses"]) for row in rows]


def tag_use_count(*, tag: Tag) -> int:
    return _visible(Comment.objects.filter(comment_tags__tag=tag)).count()


def mentions_unread_count(*, user: AnyUser) -> int:
    if not user.is_authenticated:
        return 0
    return _mentions(user).filter(read_at__isnull=True).count()


def _mentions(user: AbstractBaseUser) -> QuerySet[Mention]:
    return Mention.objects.filter(
        user_id=user.pk, comment__hidden_at__isnull=True, comment__deleted_at__isnull=True
    )


def mentions_of_user(*, user: AbstractBaseUser) -> QuerySet[Mention]:
    return (
        _mentions(user)
        .select_related("comment", "comment__author", "comment__discussion")
        .order_by("-created_at", "-id")
    )


def moderation_queue() -> QuerySet[Comment]:
    """Comments with open reports first (most reported first), for admins."""
    open_reports = Q(reports__resolved_at__isnull=True)
    # Exists, not a join filter: on the LEFT JOIN a comment nobody reported also has resolved_at NULL.
    has_open_report = Exists(
        CommentReport.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True)
    )
    return (
        _with_authors(Comment.objects.filter(has_open_report))
        .select_related("discussion")
        .annotate(open_report_count=Count("reports", filter=open_reports))
        .prefetch_related("reports__reporter")
        .order_by("-open_report_count", "created_at")
    )


def comments_hidden() -> QuerySet[Comment]:
    return (
        _with_authors(Comment.objects.filter(hidden_at__isnull=False))
        .select_related("discussion")
        .order_by("-hidden_at")
    )


def reported_by(*, user: AnyUser, comments: list[Comment]) -> set[int]:
    """Which of these comments this user has already reported (to show "Reported" instead of a button)."""
    if not user.is_authenticated or not comments:
        return set()
    return set(
        CommentReport.objects.filter(
            reporter_id=user.pk, comment_id__in=[c.pk for c in comments]
        ).values_list("comment_id", flat=True)
    )


def comment_visible_content(comment: Comment, viewer: AnyUser) -> bool:
    """Whether `viewer` may read this comment's text: never when deleted; when hidden, admins only."""
    if comment.is_deleted:
        return False
    if comment.is_hidden:
        return is_admin(viewer)
    return True


def comment_author_role(comment: Comment) -> str:
    """The author's badge: the same rule as hunt.accounts.roles.role_name, read from the annotation that
    `_with_authors` adds (role_name would cost a query per comment)."""
    if comment.author.is_staff:
        return "admin"
    if getattr(comment, "author_is_scientist", False):
        return "scientist"
    return "volunteer"
