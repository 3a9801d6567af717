"""API routes of this app, included under /api/."""

from django.urls import URLPattern, path

from hunt.evaluation import apis

urlpatterns: list[URLPattern] = [
    path("evaluations/", apis.EvaluationRunListCreateApi.as_view(), name="api-evaluations"),
    path(
        "evaluations/<int:pk>/", apis.EvaluationRunDetailApi.as_view(), name="api-evaluation-detail"
    ),
]
