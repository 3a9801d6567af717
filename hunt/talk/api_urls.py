"""API routes of this app, included under /api/."""

from django.urls import path

from hunt.talk import apis

urlpatterns = [
    path("talk/boards/", apis.BoardListApi.as_view(), name="api-talk-boards"),
    path(
        "talk/discussions/",
        apis.DiscussionListCreateApi.as_view(),
        name="api-talk-discussions",
    ),
    path(
        "talk/discussions/<int:pk>/comments/",
        apis.DiscussionCommentsApi.as_view(),
        name="api-talk-discussion-comments",
    ),
    path(
        "talk/subjects/<int:pk>/comments/",
        apis.SubjectCommentsApi.as_view(),
        name="api-talk-subject-comments",
    ),
    path("talk/comments/<int:pk>/", apis.CommentDetailApi.as_view(), name="api-talk-comment"),
    path(
        "talk/comments/<int:pk>/report/",
        apis.CommentReportApi.as_view(),
        name="api-talk-comment-report",
    ),
    path(
        "talk/comments/<int:pk>/hide/", apis.CommentHideApi.as_view(), name="api-talk-comment-hide"
    ),
    path(
        "talk/comments/<int:pk>/restore/",
        apis.CommentRestoreApi.as_view(),
        name="api-talk-comment-restore",
    ),
    path("talk/moderation/", apis.ModerationQueueApi.as_view(), name="api-talk-moderation"),
    path("talk/tags/", apis.TrendingTagsApi.as_view(), name="api-talk-tags"),
    path(
        "talk/tags/<str:name>/comments/",
        apis.TagCommentsApi.as_view(),
        name="api-talk-tag-comments",
    ),
    path(
        "talk/mentions/unread/",
        apis.MentionsUnreadApi.as_view(),
        name="api-talk-mentions-unread",
    ),
]
