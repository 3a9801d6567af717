"""API routes of this app, included under /api/."""

from django.urls import URLPattern, path

from hunt.morphology import apis

urlpatterns: list[URLPattern] = [
    path("morphology-runs/", apis.MorphologyRunListCreateApi.as_view(), name="api-morphology-runs"),
    path(
        "morphology-runs/<int:pk>/",
        apis.MorphologyRunDetailApi.as_view(),
        name="api-morphology-run-detail",
    ),
    path("morphology/points/", apis.MorphologyPointsApi.as_view(), name="api-morphology-points"),
]
