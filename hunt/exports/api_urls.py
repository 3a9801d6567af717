"""API routes of this app, included under /api/."""

from django.urls import URLPattern, path

from hunt.exports import apis

urlpatterns: list[URLPattern] = [
    path(
        "exports/classifications/",
        apis.ClassificationExportApi.as_view(),
        name="api-export-classifications",
    ),
    path(
        "exports/my-classifications/",
        apis.MyClassificationExportApi.as_view(),
        name="api-export-my-classifications",
    ),
    path("exports/subjects/", apis.SubjectExportApi.as_view(), name="api-export-subjects"),
    path(
        "exports/snapshots/<int:pk>/",
        apis.SnapshotManifestApi.as_view(),
        name="api-export-snapshot",
    ),
    path(
        "exports/snapshots/<int:pk>/rows/",
        apis.SnapshotRowsApi.as_view(),
        name="api-export-snapshot-rows",
    ),
    path("exports/jobs/", apis.ExportJobListCreateApi.as_view(), name="api-export-jobs"),
    path("exports/jobs/<int:pk>/", apis.ExportJobDetailApi.as_view(), name="api-export-job-detail"),
    path(
        "exports/jobs/<int:pk>/download/",
        apis.ExportJobDownloadApi.as_view(),
        name="api-export-job-download",
    ),
]
