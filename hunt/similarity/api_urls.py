"""API routes of this app, included under /api/."""

from django.urls import URLPattern, path

from hunt.similarity import apis

urlpatterns: list[URLPattern] = [
    path(
        "subjects/<int:pk>/similar/", apis.SimilarSubjectsApi.as_view(), name="api-subject-similar"
    ),
    path("latent/map/", apis.LatentMapApi.as_view(), name="api-latent-map"),
    path(
        "latent/correlations/", apis.LatentCorrelationsApi.as_view(), name="api-latent-correlations"
    ),
    path("latent/anomaly-sets/", apis.AnomalySetCreateApi.as_view(), name="api-anomaly-sets"),
    path("embedding-runs/", apis.EmbeddingRunListCreateApi.as_view(), name="api-embedding-runs"),
    path(
        "embedding-runs/<int:pk>/",
        apis.EmbeddingRunDetailApi.as_view(),
        name="api-embedding-run-detail",
    ),
]
