from django.urls import path

from hunt.talk import views

app_name = "talk"

urlpatterns = [
    path("talk/", views.index, name="index"),
    path("talk/boards/<slug:slug>/", views.board, name="board"),
    path("talk/discussions/<int:pk>/", views.discussion, name="discussion"),
    path("talk/subjects/<int:pk>/", views.subject, name="subject"),
    path("talk/tags/<str:name>/", views.tag, name="tag"),
    path("talk/users/<str:username>/", views.user_page, name="user"),
    path("talk/mentions/", views.mentions, name="mentions"),
    path("talk/mentions/read/", views.mentions_read, name="mentions_read"),
    path("talk/moderation/", views.moderation, name="moderation"),
    path("talk/comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("talk/comments/<int:pk>/delete/", views.comment_delete_view, name="comment_delete"),
    path("talk/comments/<int:pk>/report/", views.comment_report_view, name="comment_report"),
    path("talk/comments/<int:pk>/hide/", views.comment_hide_view, name="comment_hide"),
    path("talk/comments/<int:pk>/restore/", views.comment_restore_view, name="comment_restore"),
    path(
        "talk/comments/<int:pk>/dismiss-reports/",
        views.reports_dismiss_view,
        name="reports_dismiss",
    ),
]
