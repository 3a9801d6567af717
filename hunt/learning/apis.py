"""Training runs over the API: admins start one (202; 409 while one is active, or when no label changed since the
newest succeeded run unless `confirm_unchanged`), scientists poll its progress."""

from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsAdmin, IsScientist, ScientistReadsAdminWrites
from hunt.classify.models import Workflow
from hunt.classify.selectors import workflow_default
from hunt.core.errors import ApiError
from hunt.core.throttling import ScopedWriteRateThrottle
from hunt.learning.base_model import INIT_CHOICES
from hunt.learning.models import ModelVersion, TrainingRun
from hunt.learning.selectors import training_runs_recent
from hunt.learning.services import (
    SEED_LIMIT,
    InvalidTrainingParams,
    ModelNotPromotable,
    NoNewLabels,
    NotEnoughLabels,
    TrainingAlreadyActive,
    model_promote,
    training_run_cancel,
    training_run_start,
)
from ml.crowd import LABEL_LOSSES


class TrainingRunOutput(serializers.ModelSerializer):
    percent = serializers.FloatField(read_only=True)
    stage_text = serializers.CharField(read_only=True)
    snapshot_sha256 = serializers.CharField(source="snapshot.sha256", read_only=True)
    model_version = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    cancel_url = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = (
            "id", "url", "cancel_url", "status", "trigger", "percent", "stage", "stage_text", "stage_done",
            "stage_total", "epoch", "epochs", "batch", "batches", "loss", "eta_seconds", "curve", "metrics", "attempts", "error", "snapshot_sha256", "params", "model_version",
            "created_at", "started_at", "heartbeat_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_model_version(self, run: TrainingRun) -> int | None:
        # Loaded with the run (select_related): no query per row of the list.
        try:
            return run.model_version.pk
        except ModelVersion.DoesNotExist:
            return None

    def get_url(self, run: TrainingRun) -> str:
        return reverse("api-training-run-detail", args=[run.pk])

    def get_cancel_url(self, run: TrainingRun) -> str:
        return reverse("api-training-run-cancel", args=[run.pk])


class TrainingRunInput(serializers.Serializer):
    workflow = serializers.SlugField(required=False)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=SEED_LIMIT - 1)
    epochs = serializers.IntegerField(required=False, min_value=1, max_value=200)
    min_votes = serializers.IntegerField(required=False, min_value=1, max_value=100)
    label_loss = serializers.ChoiceField(
        choices=LABEL_LOSSES, required=False,
        help_text="dirichlet_multinomial (default: the vote counts) or cross_entropy (docs/crowd.md).",
    )  # fmt: skip
    label_concentration = serializers.FloatField(
        required=False, min_value=0.01, max_value=1e5,
        help_text="The Dirichlet-multinomial's concentration (10): how much a subject's extra votes count.",
    )  # fmt: skip
    init = serializers.ChoiceField(
        choices=INIT_CHOICES, required=False,
        help_text="simulation (default: fine-tune the shipped simulation-pretrained network) or random.",
    )  # fmt: skip
    freeze_body = serializers.BooleanField(
        required=False,
        help_text="With init simulation: train the heads only, keeping the base's features (default true).",
    )
    confirm_unchanged = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Train even when no label changed since the newest succeeded run (otherwise 409).",
    )


class TrainingRunListCreateApi(APIView):
    # Scientists watch progress on the model page (read-only); only admins start runs.
    permission_classes = (ScientistReadsAdminWrites,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "ingest"

    @extend_schema(responses=TrainingRunOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(TrainingRunOutput(training_runs_recent(), many=True).data)

    @extend_schema(
        request=TrainingRunInput, responses={202: TrainingRunOutput, 409: None, 503: None}
    )
    def post(self, request: Request) -> Response:
        data = TrainingRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        slug = values.pop("workflow", None)
        confirmed = values.pop("confirm_unchanged")
        workflow = get_object_or_404(Workflow, slug=slug) if slug else workflow_default()
        if workflow is None:
            raise ApiError("no active workflow", code="no_workflow", status=400)
        user = request.user if isinstance(request.user, User) else None
        try:
            run = training_run_start(
                user=user, workflow=workflow, params=values, refuse_unchanged=not confirmed
            )
        except (TrainingAlreadyActive, NoNewLabels) as error:
            raise ApiError(
                str(error),
                code="training_active"
                if isinstance(error, TrainingAlreadyActive)
                else "no_new_labels",
                status=409,
                run=reverse("api-training-run-detail", args=[error.run.pk]),
            ) from error
        except NotEnoughLabels as error:
            raise ApiError(str(error), code="not_enough_labels", status=400) from error
        except InvalidTrainingParams as error:
            raise ApiError(str(error), code="invalid", status=400) from error
        response = Response(TrainingRunOutput(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api-training-run-detail", args=[run.pk])
        return response


class TrainingRunDetailApi(APIView):
    permission_classes = (IsScientist,)

    @extend_schema(responses=TrainingRunOutput)
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(
            TrainingRun.objects.select_related("snapshot", "model_version"), pk=pk
        )
        return Response(TrainingRunOutput(run).data)


class TrainingRunCancelApi(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(request=None, responses={202: TrainingRunOutput})
    def post(self, request: Request, pk: int) -> Response:
        run = training_run_cancel(run=get_object_or_404(TrainingRun, pk=pk))
        return Response(TrainingRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class ModelPromoteApi(APIView):
    """Make a model version the champion (a rollback when it is an older one)."""

    permission_classes = (IsAdmin,)

    @extend_schema(request=None, responses={200: None, 409: None})
    def post(self, request: Request, pk: int) -> Response:
        version = get_object_or_404(ModelVersion, pk=pk)
        try:
            model_promote(version=version, note=f"promoted by {request.user}")
        except ModelNotPromotable as error:
            raise ApiError(str(error), code="not_promotable", status=409) from error
        return Response({"detail": f"model v{version.pk} is now the champion"})
