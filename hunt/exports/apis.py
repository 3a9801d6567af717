"""Exports over the API: streamed CSV now, or a background job for large and binary files.

Scripts authenticate with `Authorization: Token <key>`; browsers with their session. Scientists and admins
export everything; any signed-in volunteer may download their own classifications; anonymous users get 401.
There is no daily cap: the `export` throttle only stops runaway scripts, with a 429 that says so.
"""

from dataclasses import replace
from typing import Any, NoReturn

from django.contrib.auth.models import User
from django.http import FileResponse, HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsScientist
from hunt.accounts.services import volunteer_for_request
from hunt.core.errors import ApiError
from hunt.core.throttling import ScopedThrottle, ScopedWriteRateThrottle
from hunt.exports.filters import (
    ExportError,
    ExportFilters,
    ExportFiltersInput,
    export_filters_parse,
)
from hunt.exports.models import ExportJob
from hunt.exports.selectors import export_jobs_visible, snapshot_get
from hunt.exports.services import (
    export_csv_chunks,
    export_job_create,
    export_job_delete,
    export_spec,
)
from hunt.exports.snapshots import snapshot_manifest
from hunt.exports.streaming import streaming_csv_response

FILTER_NAMES = tuple(ExportFiltersInput().fields)
CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, streamed"),
    400: OpenApiResponse(description="Invalid filters"),
    429: OpenApiResponse(description="Rate limit against runaway scripts (no daily cap)"),
}


class CSVRenderer(renderers.BaseRenderer):
    """Lets clients ask for text/csv (the view streams the CSV itself; errors stay JSON)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return str(data).encode()


class ExportThrottleMixin:
    """A clear 429: what the limit is for, and when to try again."""

    def throttled(self, request: Request, wait: float) -> NoReturn:
        seconds = int(wait or 0) + 1
        raise exceptions.Throttled(
            wait,
            detail=f"Too many export requests in a short time (a limit against runaway scripts; there "
            f"is no daily cap). Try again in {seconds} s.",
        )


class LayoutInput(serializers.Serializer):
    layout = serializers.ChoiceField(
        choices=ExportJob.Layout.choices, default=ExportJob.Layout.FLAT, required=False
    )


def _stream(request: Request, *, kind: str, layout: str = "", **fixed: Any) -> HttpResponseBase:
    try:
        filters = export_filters_parse(
            {name: request.query_params.get(name) for name in FILTER_NAMES}
        )
        spec = export_spec(kind=kind, layout=layout, filters=replace(filters, **fixed))
    except ExportError as error:
        raise ApiError(str(error), code="invalid", status=400) from error
    return streaming_csv_response(export_csv_chunks(spec), filename=spec.file_name)


class ClassificationExportApi(ExportThrottleMixin, APIView):
    """Every classification matching the filters, streamed as CSV (flat or Panoptes layout)."""

    permission_classes = (IsScientist,)
    throttle_classes = (ScopedThrottle,)
    throttle_scope = "export"
    renderer_classes = (renderers.JSONRenderer, CSVRenderer)

    @extend_schema(parameters=[LayoutInput, ExportFiltersInput], responses=CSV_RESPONSE)
    def get(self, request: Request) -> HttpResponseBase:
        layout = request.query_params.get("layout") or ExportJob.Layout.FLAT
        return _stream(request, kind=ExportJob.Kind.CLASSIFICATIONS, layout=layout)


class MyClassificationExportApi(ExportThrottleMixin, APIView):
    """The signed-in volunteer's own classifications, streamed as CSV (flat or Panoptes layout)."""

    permission_classes = (IsAuthenticated,)
    throttle_classes = (ScopedThrottle,)
    throttle_scope = "export"
    renderer_classes = (renderers.JSONRenderer, CSVRenderer)

    @extend_schema(parameters=[LayoutInput, ExportFiltersInput], responses=CSV_RESPONSE)
    def get(self, request: Request) -> HttpResponseBase:
        volunteer = volunteer_for_request(request._request)
        assert volunteer is not None  # signed in: the account's volunteer always exists
        layout = request.query_params.get("layout") or ExportJob.Layout.FLAT
        return _stream(
            request, kind=ExportJob.Kind.CLASSIFICATIONS, layout=layout, volunteer_id=volunteer.pk
        )


class SubjectExportApi(ExportThrottleMixin, APIView):
    """The per-subject table as CSV, streamed (ECSV, FITS, VOTable and Parquet come from export jobs)."""

    permission_classes = (IsScientist,)
    throttle_classes = (ScopedThrottle,)
    throttle_scope = "export"
    renderer_classes = (renderers.JSONRenderer, CSVRenderer)

    @extend_schema(parameters=[ExportFiltersInput], responses=CSV_RESPONSE)
    def get(self, request: Request) -> HttpResponseBase:
        return _stream(request, kind=ExportJob.Kind.SUBJECTS)


class SnapshotManifestApi(APIView):
    """A label snapshot's manifest: row count, sha256 (and how to recompute it), models trained on it."""

    permission_classes = (IsScientist,)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        try:
            snapshot = snapshot_get(pk)
        except ExportError as error:
            raise exceptions.NotFound(str(error)) from error
        manifest = snapshot_manifest(snapshot)
        manifest["rows_url"] = reverse("api-export-snapshot-rows", args=[pk])
        return Response(manifest)


class SnapshotRowsApi(ExportThrottleMixin, APIView):
    """The snapshot's rows as CSV, streamed: the exact labels the model was trained on."""

    permission_classes = (IsScientist,)
    throttle_classes = (ScopedThrottle,)
    throttle_scope = "export"
    renderer_classes = (renderers.JSONRenderer, CSVRenderer)

    @extend_schema(responses=CSV_RESPONSE)
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        try:
            spec = export_spec(kind=ExportJob.Kind.SNAPSHOT, snapshot_id=pk)
        except ExportError as error:
            raise exceptions.NotFound(str(error)) from error
        return streaming_csv_response(export_csv_chunks(spec), filename=spec.file_name)


# --- Jobs ---------------------------------------------------------------------------------------------


class ExportJobOutput(serializers.ModelSerializer):
    # `kind` is the ExportKindEnum (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]: other apps have a "kind" too);
    # `status` stays a plain string, as every job's status does.
    kind = serializers.ChoiceField(choices=ExportJob.Kind.choices, read_only=True)
    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded or failed")
    percent = serializers.FloatField(read_only=True)
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    requested_by = serializers.CharField(
        source="requested_by.username", allow_null=True, read_only=True
    )

    class Meta:
        model = ExportJob
        fields = (
            "id", "url", "kind", "layout", "file_format", "filters", "snapshot", "status", "total", "done",
            "percent", "row_count", "size_bytes", "sha256", "file_name", "download_url", "error",
            "requested_by", "created_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_url(self, job: ExportJob) -> str:
        return reverse("api-export-job-detail", args=[job.pk])

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.SUCCEEDED:
            return None
        return reverse("api-export-job-download", args=[job.pk])


class ExportJobInput(ExportFiltersInput):
    kind = serializers.ChoiceField(choices=ExportJob.Kind.choices)
    file_format = serializers.ChoiceField(
        choices=ExportJob.Format.choices, default=ExportJob.Format.CSV
    )
    layout = serializers.ChoiceField(
        choices=ExportJob.Layout.choices, required=False, help_text="Classifications only."
    )
    snapshot = serializers.IntegerField(
        required=False, help_text="Label snapshot id (kind=snapshot)."
    )


class ExportJobListCreateApi(ExportThrottleMixin, APIView):
    permission_classes = (IsScientist,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "export"

    @extend_schema(responses=ExportJobOutput(many=True))
    def get(self, request: Request) -> Response:
        jobs = export_jobs_visible(request.user)[:50]
        return Response(ExportJobOutput(jobs, many=True).data)

    @extend_schema(
        request=ExportJobInput, responses={202: ExportJobOutput, 400: None, 429: None, 503: None}
    )
    def post(self, request: Request) -> Response:
        data = ExportJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        filters = ExportFilters(**{name: values[name] for name in FILTER_NAMES if name in values})
        try:
            spec = export_spec(
                kind=values["kind"], file_format=values["file_format"],
                layout=values.get("layout", ""), filters=filters, snapshot_id=values.get("snapshot"),
            )  # fmt: skip
        except ExportError as error:
            raise ApiError(str(error), code="invalid", status=400) from error
        user = request.user if isinstance(request.user, User) else None
        job = export_job_create(spec=spec, user=user)
        response = Response(ExportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api-export-job-detail", args=[job.pk])
        return response


class ExportJobDetailApi(APIView):
    """Poll a job's progress (not throttled by scope: progress bars poll every second); delete it."""

    permission_classes = (IsScientist,)

    @extend_schema(responses=ExportJobOutput)
    def get(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(export_jobs_visible(request.user), pk=pk)
        return Response(ExportJobOutput(job).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(export_jobs_visible(request.user), pk=pk)
        export_job_delete(job=job)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportJobDownloadApi(APIView):
    """The job's file. A permanent, authenticated URL: it works until the job is deleted, never expires."""

    permission_classes = (IsScientist,)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: None, 409: None}
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        job = get_object_or_404(export_jobs_visible(request.user), pk=pk)
        if job.status != ExportJob.Status.SUCCEEDED or not job.file:
            raise ApiError(
                f"export #{job.pk} is {job.status}, not ready to download",
                code="not_ready",
                status=409,
            )
        response = FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name)
        response["Cache-Control"] = "private, no-store"
        return response
