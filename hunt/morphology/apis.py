"""Morphology over the API: admins start the measuring job and everyone with the right poll it; scientists
read the plot's points."""

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsAdmin, IsScientist
from hunt.core.errors import ApiError
from hunt.core.throttling import ScopedWriteRateThrottle
from hunt.morphology.models import MorphologyRun
from hunt.morphology.selectors import plot_points
from hunt.morphology.services import MorphologyError, morphology_run_start


class MorphologyRunOutput(serializers.ModelSerializer):
    percent = serializers.FloatField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = MorphologyRun
        fields = (
            "id", "url", "status", "percent", "done", "total", "only_missing", "attempts", "error",
            "created_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_url(self, run: MorphologyRun) -> str:
        return reverse("api-morphology-run-detail", args=[run.pk])


class MorphologyRunInput(serializers.Serializer):
    only_missing = serializers.BooleanField(
        default=True, help_text="Measure only subjects without a row at this measure version."
    )


class MorphologyRunListCreateApi(APIView):
    """Admins measure the morphology of every subject in the background; 202 and poll the run."""

    permission_classes = (IsAdmin,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "ingest"

    @extend_schema(responses=MorphologyRunOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(MorphologyRunOutput(MorphologyRun.objects.all()[:20], many=True).data)

    @extend_schema(
        request=MorphologyRunInput, responses={202: MorphologyRunOutput, 409: None, 503: None}
    )
    def post(self, request: Request) -> Response:
        data = MorphologyRunInput(data=request.data)
        if not data.is_valid():
            field, problems = next(iter(data.errors.items()))
            raise ApiError(f"{field}: {' '.join(map(str, problems))}", code="invalid", status=400)
        user = request.user if isinstance(request.user, User) else None
        try:
            run = morphology_run_start(user=user, only_missing=data.validated_data["only_missing"])
        except MorphologyError as error:
            raise ApiError(error.message, code=error.code, status=error.status) from error
        response = Response(MorphologyRunOutput(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api-morphology-run-detail", args=[run.pk])
        return response


class MorphologyRunDetailApi(APIView):
    permission_classes = (IsScientist,)

    @extend_schema(responses=MorphologyRunOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(MorphologyRunOutput(get_object_or_404(MorphologyRun, pk=pk)).data)


class PlotPointOutput(serializers.Serializer):
    subject = serializers.IntegerField(source="subject_id")
    group = serializers.ChoiceField(choices=["catalogue", "crowd", "model"])
    c_santos = serializers.FloatField(source="c")
    w = serializers.FloatField()
    c_santos_err = serializers.FloatField(source="c_err", allow_null=True)
    w_err = serializers.FloatField(allow_null=True)


class MorphologyPointsApi(APIView):
    """The c-w plot's points: measured catalogue clusters and crowd or model candidates."""

    permission_classes = (IsScientist,)

    @extend_schema(responses=PlotPointOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(PlotPointOutput(plot_points(), many=True).data)
