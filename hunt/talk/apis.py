"""The Talk API: boards, discussions, comments (with tags), reports, moderation and mentions.

Same rules as the pages, because both call the same services: anyone reads, an account writes, authors edit
and delete their own comments, admins hide and restore. A hidden comment's text, HTML and tags are served to
admins only; everyone else gets its id, author, time and `state: "hidden"`. Writes share the "comment"
throttle with the HTML forms.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsAdmin
from hunt.core.errors import ApiError
from hunt.core.pagination import BoundedLimitOffsetPagination, paginated
from hunt.core.params import ascii_int
from hunt.core.throttling import ScopedWriteRateThrottle
from hunt.subjects.models import Subject
from hunt.talk import selectors
from hunt.talk.models import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Board,
    Comment,
    CommentTag,
    Discussion,
    Tag,
)
from hunt.talk.services import (
    TalkError,
    comment_create,
    comment_delete,
    comment_hide,
    comment_report,
    comment_restore,
    comment_update,
    discussion_create,
    subject_comment_create,
)
from hunt.talk.throttling import COMMENT_SCOPE

Viewer = AbstractBaseUser | AnonymousUser


def _error(error: TalkError) -> ApiError:
    return ApiError(error.message, code=error.code, status=error.status)


# ---- output --------------------------------------------------------------------------------------


class AuthorOutput(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=["volunteer", "scientist", "admin"])
    url = serializers.CharField()


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    discussion = serializers.IntegerField()
    subject = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()
    author = AuthorOutput()
    state = serializers.ChoiceField(
        choices=["visible", "hidden", "deleted"],
        help_text="hidden: a moderator hid it; deleted: its author withdrew it.",
    )
    body = serializers.CharField(
        allow_null=True,
        help_text="Markdown source; null when hidden (except for admins) or deleted.",
    )
    html = serializers.CharField(
        allow_null=True,
        help_text="Sanitised HTML; null when hidden (except for admins) or deleted.",
    )
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    can_edit = serializers.BooleanField(help_text="The caller wrote it and it is still shown.")


def comment_output(comment: Comment, viewer: Viewer) -> dict[str, Any]:
    from django.urls import reverse

    readable = selectors.comment_visible_content(comment, viewer)
    state = "deleted" if comment.is_deleted else "hidden" if comment.is_hidden else "visible"
    tags = [link.tag.name for link in comment.comment_tags.all()] if readable else []
    return {
        "id": comment.pk,
        "discussion": comment.discussion_id,
        "subject": comment.discussion.subject_id,
        "url": comment.get_absolute_url(),
        "author": {
            "username": comment.author.get_username(),
            "role": selectors.comment_author_role(comment),
            "url": reverse("talk:user", args=[comment.author.get_username()]),
        },
        "state": state,
        "body": comment.body if readable else None,
        "html": comment.body_html if readable else None,
        "tags": sorted(tags),
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "can_edit": bool(
            viewer.is_authenticated and comment.author_id == viewer.pk and comment.is_visible
        ),
    }


def _for_output(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.select_related("discussion").prefetch_related(
        Prefetch("comment_tags", queryset=CommentTag.objects.select_related("tag"))
    )


def _paginated(request: Request, view: APIView, comments: QuerySet[Comment]) -> Response:
    paginator = BoundedLimitOffsetPagination()
    page = paginator.paginate_queryset(_for_output(comments), request, view=view)
    assert page is not None
    return paginator.get_paginated_response([comment_output(c, request.user) for c in page])


def _post(request: Request, create: Callable[[str], Comment]) -> Response:
    """Validate a posted comment body, create it with `create`, answer 201 (or the service's refusal)."""
    data = CommentInput(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        comment = create(data.validated_data["body"])
    except TalkError as error:
        raise _error(error) from error
    return _one(request, comment, status.HTTP_201_CREATED)


def _one(request: Request, comment: Comment, code: int = 200) -> Response:
    fresh = selectors.comments_of_discussion(discussion=comment.discussion).filter(pk=comment.pk)
    return Response(comment_output(_for_output(fresh).get(), request.user), status=code)


class _WriteThrottled(APIView):
    permission_classes = (IsAuthenticatedOrReadOnly,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = COMMENT_SCOPE


# ---- input ---------------------------------------------------------------------------------------


class CommentInput(serializers.Serializer):
    body = serializers.CharField(
        max_length=BODY_MAX_LENGTH,
        help_text="Markdown. #tags link to tag pages, @username mentions the user; raw HTML is shown as text.",
    )


class DiscussionInput(serializers.Serializer):
    board = serializers.SlugField(help_text="Board slug: help, science or chat.")
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, help_text="The first comment.")


class ReportInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# ---- boards and discussions ----------------------------------------------------------------------


class BoardOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    discussion_count = serializers.IntegerField()


class BoardListApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(responses=BoardOutput(many=True))
    def get(self, request: Request) -> Response:
        boards = selectors.boards_with_counts()
        return Response(BoardOutput(boards, many=True).data)


class DiscussionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    board = serializers.CharField(allow_null=True, source="board.slug", default=None)
    subject = serializers.IntegerField(allow_null=True, source="subject_id")
    title = serializers.CharField(source="display_title")
    url = serializers.CharField(source="get_absolute_url")
    comment_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_comment_at = serializers.DateTimeField(allow_null=True)


class DiscussionListCreateApi(_WriteThrottled):
    @extend_schema(
        parameters=[
            OpenApiParameter("board", str, description="Only this board's discussions (slug)."),
        ],
        responses=paginated(DiscussionOutput),
        operation_id="talk_discussions_list",
    )
    def get(self, request: Request) -> Response:
        rows = Discussion.objects.filter(last_comment_at__isnull=False).select_related("board")
        board = request.query_params.get("board")
        if board:
            rows = rows.filter(board__slug=board)
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(rows.order_by("-last_comment_at", "-id"), request, self)
        return paginator.get_paginated_response(DiscussionOutput(page, many=True).data)

    @extend_schema(request=DiscussionInput, responses={201: DiscussionOutput})
    def post(self, request: Request) -> Response:
        data = DiscussionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        board = get_object_or_404(Board, slug=values["board"])
        try:
            discussion = discussion_create(
                board=board, author=request.user, title=values["title"], body=values["body"]
            )
        except TalkError as error:
            raise _error(error) from error
        discussion.refresh_from_db()
        return Response(DiscussionOutput(discussion).data, status=status.HTTP_201_CREATED)


# ---- comments ------------------------------------------------------------------------------------


class DiscussionCommentsApi(_WriteThrottled):
    """A discussion's comments, oldest first; post one."""

    @extend_schema(
        responses=paginated(CommentOutput), operation_id="talk_discussions_comments_list"
    )
    def get(self, request: Request, pk: int) -> Response:
        discussion = get_object_or_404(Discussion, pk=pk)
        return _paginated(request, self, selectors.comments_of_discussion(discussion=discussion))

    @extend_schema(request=CommentInput, responses={201: CommentOutput})
    def post(self, request: Request, pk: int) -> Response:
        discussion = get_object_or_404(Discussion, pk=pk)
        return _post(
            request,
            lambda body: comment_create(discussion=discussion, author=request.user, body=body),
        )


class SubjectCommentsApi(_WriteThrottled):
    """A subject's discussion, oldest first; posting the first comment starts it."""

    @extend_schema(responses=paginated(CommentOutput), operation_id="talk_subjects_comments_list")
    def get(self, request: Request, pk: int) -> Response:
        subject = get_object_or_404(Subject, pk=pk)
        discussion = Discussion.objects.filter(subject=subject).first()
        if discussion is None:
            return _paginated(request, self, Comment.objects.none())
        return _paginated(request, self, selectors.comments_of_discussion(discussion=discussion))

    @extend_schema(request=CommentInput, responses={201: CommentOutput})
    def post(self, request: Request, pk: int) -> Response:
        subject = get_object_or_404(Subject, pk=pk)
        return _post(
            request,
            lambda body: subject_comment_create(subject=subject, author=request.user, body=body),
        )


class CommentDetailApi(_WriteThrottled):
    """One comment; its author edits (PATCH) or deletes it (DELETE leaves a "deleted" placeholder)."""

    @extend_schema(responses=CommentOutput)
    def get(self, request: Request, pk: int) -> Response:
        return _one(request, get_object_or_404(Comment.objects.select_related("discussion"), pk=pk))

    @extend_schema(request=CommentInput, responses=CommentOutput)
    def patch(self, request: Request, pk: int) -> Response:
        comment = get_object_or_404(Comment.objects.select_related("discussion"), pk=pk)
        data = CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            comment_update(comment=comment, user=request.user, body=data.validated_data["body"])
        except TalkError as error:
            raise _error(error) from error
        return _one(request, comment)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        comment = get_object_or_404(Comment, pk=pk)
        try:
            comment_delete(comment=comment, user=request.user)
        except TalkError as error:
            raise _error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentReportApi(APIView):
    """Report a comment to the moderators (once per person per comment; 409 the second time)."""

    permission_classes = (IsAuthenticated,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = COMMENT_SCOPE

    @extend_schema(
        request=ReportInput,
        responses={
            201: inline_serializer("ReportCreated", {"id": serializers.IntegerField()}),
            409: None,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = get_object_or_404(Comment, pk=pk)
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            report = comment_report(
                comment=comment, user=request.user, reason=data.validated_data["reason"]
            )
        except TalkError as error:
            raise _error(error) from error
        return Response({"id": report.pk}, status=status.HTTP_201_CREATED)


class CommentHideApi(APIView):
    """Admins: hide a comment from everyone else (its open reports count as handled)."""

    permission_classes = (IsAdmin,)

    @extend_schema(request=None, responses=CommentOutput)
    def post(self, request: Request, pk: int) -> Response:
        comment = get_object_or_404(Comment.objects.select_related("discussion"), pk=pk)
        comment_hide(comment=comment, user=request.user)
        return _one(request, comment)


class CommentRestoreApi(APIView):
    """Admins: show a hidden comment again."""

    permission_classes = (IsAdmin,)

    @extend_schema(request=None, responses=CommentOutput)
    def post(self, request: Request, pk: int) -> Response:
        comment = get_object_or_404(Comment.objects.select_related("discussion"), pk=pk)
        comment_restore(comment=comment, user=request.user)
        return _one(request, comment)


class ReportOutput(serializers.Serializer):
    reporter = serializers.CharField(source="reporter.username")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class ModerationQueueApi(APIView):
    """Admins: comments with open reports, most reported first."""

    permission_classes = (IsAdmin,)

    @extend_schema(
        responses=inline_serializer(
            "ModerationItem",
            {
                "comment": CommentOutput(),
                "open_reports": ReportOutput(many=True),
            },
            many=True,
        )
    )
    def get(self, request: Request) -> Response:
        comments = list(
            selectors.moderation_queue().prefetch_related(
                Prefetch("comment_tags", queryset=CommentTag.objects.select_related("tag"))
            )[:200]
        )
        return Response(
            [
                {
                    "comment": comment_output(comment, request.user),
                    "open_reports": ReportOutput(
                        [r for r in comment.reports.all() if r.resolved_at is None], many=True
                    ).data,
                }
                for comment in comments
            ]
        )


# ---- tags and mentions ---------------------------------------------------------------------------


class TagOutput(serializers.Serializer):
    name = serializers.CharField()
    uses = serializers.IntegerField()
    url = serializers.CharField()


class TrendingTagsApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="Window in days (default 7).")],
        responses=TagOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        from django.urls import reverse

        days = ascii_int(request.query_params.get("days"), minimum=1)
        days = min(days, 3650) if days else None
        rows = selectors.tags_trending(days=days or selectors.TRENDING_DAYS)
        return Response(
            [
                {"name": name, "uses": uses, "url": reverse("talk:tag", args=[name])}
                for name, uses in rows
            ]
        )


class TagCommentsApi(APIView):
    """Shown comments with this #tag, newest first."""

    permission_classes = (AllowAny,)

    @extend_schema(responses=paginated(CommentOutput), operation_id="talk_tags_comments_list")
    def get(self, request: Request, name: str) -> Response:
        tag = get_object_or_404(Tag, name=name.lower())
        return _paginated(request, self, selectors.comments_with_tag(tag=tag))


class MentionsUnreadApi(APIView):
    """How many comments mention the caller that they have not opened on their mentions page."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses=inline_serializer("MentionsUnread", {"unread": serializers.IntegerField()})
    )
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.mentions_unread_count(user=request.user)})
