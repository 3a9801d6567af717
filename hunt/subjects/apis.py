"""Ingestion jobs over the API (admins): queue one, poll its progress."""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsAdmin
from hunt.core.errors import ApiError
from hunt.core.throttling import ScopedWriteRateThrottle
from hunt.subjects.ingestion import ingest_job_queue
from hunt.subjects.models import IngestJob, SubjectSet
from hunt.subjects.services import IngestError


class IngestJobOutput(serializers.ModelSerializer):
    percent = serializers.FloatField(read_only=True)
    subject_set = serializers.CharField(source="subject_set.name", allow_null=True, read_only=True)

    class Meta:
        model = IngestJob
        fields = (
            "id", "kind", "source", "options", "subject_set", "status", "total", "done", "percent",
            "created", "skipped", "error", "created_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields


class IngestJobInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SubjectSet.Kind.choices)
    path = serializers.CharField(max_length=500, help_text="Folder or FITS image on the server.")
    set_name = serializers.CharField(max_length=200)
    sources = serializers.CharField(
        max_length=500, required=False, help_text="xmm_field: source list."
    )
    obs_id = serializers.CharField(max_length=50, required=False)
    exposure_map = serializers.CharField(max_length=500, required=False)
    size = serializers.IntegerField(min_value=16, max_value=512, required=False)
    labels = serializers.CharField(
        max_length=500,
        required=False,
        help_text="candidates/simulated: expert-label CSV (candidate id or file stem, label, ...).",
    )
    evaluation_only = serializers.BooleanField(
        default=False,
        help_text="The labels only test the model: never gold, never retire, never train.",
    )
    gold_share = serializers.FloatField(
        min_value=0.0,
        max_value=1.0,
        default=0.0,
        help_text="Share of the labelled candidates made gold (feedback, retirement, training).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == SubjectSet.Kind.XMM_FIELD and not attrs.get("sources"):
            raise serializers.ValidationError(
                {"sources": "A wide-field image needs its source list."}
            )
        if attrs.get("labels") and attrs["kind"] not in (
            SubjectSet.Kind.SIMULATED,
            SubjectSet.Kind.CANDIDATE_FITS,
        ):
            raise serializers.ValidationError(
                {
                    "labels": "A labels file goes with a folder of candidates; fields and image sets carry their own."
                }
            )
        return attrs


class IngestJobListCreateApi(APIView):
    permission_classes = (IsAdmin,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "ingest"

    @extend_schema(responses=IngestJobOutput(many=True))
    def get(self, request: Request) -> Response:
        jobs = IngestJob.objects.select_related("subject_set")[:50]
        return Response(IngestJobOutput(jobs, many=True).data)

    @extend_schema(request=IngestJobInput, responses={202: IngestJobOutput})
    def post(self, request: Request) -> Response:
        data = IngestJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        kind, source = values.pop("kind"), values.pop("path")
        user = request.user if isinstance(request.user, User) else None
        try:
            job = ingest_job_queue(kind=kind, source=source, options=values, user=user)
        except IngestError as exc:
            raise ApiError(str(exc), code="invalid", status=400) from exc
        return Response(IngestJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class IngestJobDetailApi(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(responses=IngestJobOutput)
    def get(self, request: Request, pk: int) -> Response:
        job = get_object_or_404(IngestJob.objects.select_related("subject_set"), pk=pk)
        return Response(IngestJobOutput(job).data)
