"""Evaluation runs over the API: scientists read them, admins start one (202, then poll the run)."""

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsAdmin, IsScientist
from hunt.catalogues.models import ReferenceCatalogue
from hunt.classify.models import Workflow
from hunt.classify.selectors import workflow_default
from hunt.core.errors import ApiError
from hunt.core.throttling import ScopedWriteRateThrottle
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.selectors import catalogue_default, evaluation_runs
from hunt.evaluation.services import EvaluationError, EvaluationUnavailable, evaluation_run_create
from hunt.learning.models import ModelVersion
from hunt.learning.selectors import champion
from hunt.subjects.models import SubjectSet


class EvaluationRunOutput(serializers.ModelSerializer):
    # Plain strings in the schema: choice enums named "status"/"trigger" would collide with other apps'.
    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded or failed")
    trigger = serializers.CharField(read_only=True, help_text="training or manual")
    split = serializers.CharField(read_only=True, help_text="test (the locked test regions) or all")
    url = serializers.SerializerMethodField()
    dashboard_url = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationRun
        fields: tuple[str, ...] = (
            "id", "url", "dashboard_url", "status", "trigger", "model_version", "catalogue", "catalogue_name",
            "catalogue_version", "match_radius_arcsec", "class_filter", "split", "subject_set", "subject_set_name", "label_snapshot_sha256",
            "code_version", "threshold", "min_votes", "bootstrap_resamples", "seed", "counts", "error",
            "duration_seconds", "created_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = fields

    def get_url(self, run: EvaluationRun) -> str:
        return reverse("api-evaluation-detail", args=[run.pk])

    def get_dashboard_url(self, run: EvaluationRun) -> str:
        return reverse("evaluation:run", args=[run.pk])


class EvaluationRunDetailOutput(EvaluationRunOutput):
    results = serializers.JSONField(read_only=True)

    class Meta(EvaluationRunOutput.Meta):
        fields: tuple[str, ...] = (*EvaluationRunOutput.Meta.fields, "results")
        read_only_fields: tuple[str, ...] = fields


class EvaluationRunInput(serializers.Serializer):
    model_version = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: the serving model."
    )
    crowd_only = serializers.BooleanField(default=False, help_text="Evaluate the crowd alone.")
    catalogue = serializers.IntegerField(
        required=False, min_value=1, help_text="Default: the latest X-CLASS catalogue."
    )
    classes = serializers.MultipleChoiceField(choices=("C1", "C2"), default={"C1", "C2"})
    split = serializers.ChoiceField(
        choices=EvaluationRun.Split.choices,
        default=EvaluationRun.Split.TEST,
        help_text="test: the locked test sky regions (never trained on, never used to pick a model); all.",
    )
    subject_set = serializers.CharField(
        required=False, max_length=200, help_text="Only this subject set (name or slug)."
    )
    threshold = serializers.FloatField(default=0.5, min_value=0.0, max_value=1.0)
    bootstrap_resamples = serializers.IntegerField(default=1000, min_value=0, max_value=10_000)
    min_votes = serializers.IntegerField(default=1, min_value=1, max_value=100)
    workflow = serializers.SlugField(required=False)


class _ReadScientistWriteAdmin(BasePermission):
    message = "Scientists can read evaluations; starting one needs an admin account."

    def has_permission(self, request: Request, view: APIView) -> bool:
        check = IsScientist() if request.method in ("GET", "HEAD", "OPTIONS") else IsAdmin()
        return check.has_permission(request, view)


class EvaluationRunListCreateApi(APIView):
    permission_classes = (_ReadScientistWriteAdmin,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "evaluate"

    @extend_schema(responses=EvaluationRunOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(EvaluationRunOutput(evaluation_runs(), many=True).data)

    @extend_schema(
        request=EvaluationRunInput,
        responses={202: EvaluationRunOutput, 400: None, 404: None, 503: None},
    )
    def post(self, request: Request) -> Response:
        data = EvaluationRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        slug = values.get("workflow")
        workflow = get_object_or_404(Workflow, slug=slug) if slug else workflow_default()
        if workflow is None:
            raise ApiError("no active workflow", code="no_workflow", status=400)
        catalogue = (
            get_object_or_404(ReferenceCatalogue, pk=values["catalogue"])
            if "catalogue" in values
            else catalogue_default()
        )
        if catalogue is None:
            raise ApiError(
                "no reference catalogue is loaded (manage.py load_catalogue)",
                code="no_catalogue",
                status=400,
            )
        subject_set: SubjectSet | None = None
        if values.get("subject_set"):
            subject_set = SubjectSet.objects.filter(
                Q(name=values["subject_set"]) | Q(slug=values["subject_set"])
            ).first()
            if subject_set is None:
                raise ApiError(
                    f"no subject set {values['subject_set']!r}", code="no_subject_set", status=400
                )
        version: ModelVersion | None = None
        if "model_version" in values:
            version = get_object_or_404(ModelVersion, pk=values["model_version"])
        elif not values["crowd_only"]:
            version = champion()
        user = request.user if isinstance(request.user, User) else None
        try:
            run = evaluation_run_create(
                workflow=workflow, catalogue=catalogue, model_version=version,
                class_filter=sorted(values["classes"]), split=values["split"], subject_set=subject_set,
                threshold=values["threshold"], bootstrap_resamples=values["bootstrap_resamples"],
                min_votes=values["min_votes"], user=user,
            )  # fmt: skip
        except EvaluationUnavailable:
            raise  # 503 JSON with Retry-After (hunt.core.errors)
        except EvaluationError as error:
            raise ApiError(str(error), code="invalid", status=400) from error
        run.refresh_from_db()
        response = Response(EvaluationRunOutput(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api-evaluation-detail", args=[run.pk])
        return response


class EvaluationRunDetailApi(APIView):
    permission_classes = (IsScientist,)

    @extend_schema(responses=EvaluationRunDetailOutput)
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(EvaluationRun.objects.defer("scores"), pk=pk)
        return Response(EvaluationRunDetailOutput(run).data)
