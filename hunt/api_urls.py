"""Every API route, under /api/. Each app adds its own `apis.py` views here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from hunt.classify import apis as classify_apis
from hunt.core import apis as core_apis
from hunt.learning import apis as learning_apis
from hunt.subjects import apis as subject_apis

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("me/", core_apis.MeApi.as_view(), name="api-me"),
    path("health/pings/", core_apis.WorkerPingListCreateApi.as_view(), name="api-worker-pings"),
    path(
        "health/pings/<int:pk>/",
        core_apis.WorkerPingDetailApi.as_view(),
        name="api-worker-ping-detail",
    ),
    path("subjects/next/", classify_apis.SubjectNextApi.as_view(), name="api-subject-next"),
    path("subjects/<int:pk>/", classify_apis.SubjectDetailApi.as_view(), name="api-subject-detail"),
    path(
        "classifications/",
        classify_apis.ClassificationCreateApi.as_view(),
        name="api-classifications",
    ),
    path(
        "classifications/mine/",
        classify_apis.MyClassificationsApi.as_view(),
        name="api-my-classifications",
    ),
    path(
        "training-runs/", learning_apis.TrainingRunListCreateApi.as_view(), name="api-training-runs"
    ),
    path(
        "training-runs/<int:pk>/",
        learning_apis.TrainingRunDetailApi.as_view(),
        name="api-training-run-detail",
    ),
    path(
        "training-runs/<int:pk>/cancel/",
        learning_apis.TrainingRunCancelApi.as_view(),
        name="api-training-run-cancel",
    ),
    path(
        "models/<int:pk>/promote/",
        learning_apis.ModelPromoteApi.as_view(),
        name="api-model-promote",
    ),
    path("ingest-jobs/", subject_apis.IngestJobListCreateApi.as_view(), name="api-ingest-jobs"),
    path(
        "ingest-jobs/<int:pk>/",
        subject_apis.IngestJobDetailApi.as_view(),
        name="api-ingest-job-detail",
    ),
    path("", include("hunt.evaluation.api_urls")),
    path("", include("hunt.exports.api_urls")),
    path("", include("hunt.talk.api_urls")),
    path("", include("hunt.collect.api_urls")),
    path("", include("hunt.similarity.api_urls")),
    path("", include("hunt.morphology.api_urls")),
]
