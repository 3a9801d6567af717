"""Similarity over the API: "more like this" for everyone, the latent map for scientists, jobs and
anomaly sets for admins."""

from typing import Any

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsAdmin, IsScientist
from hunt.accounts.services import volunteer_for_request
from hunt.core.errors import ApiError
from hunt.core.params import ascii_int
from hunt.core.throttling import ScopedWriteRateThrottle
from hunt.similarity.models import AnomalySet, EmbeddingRun
from hunt.similarity.properties import properties
from hunt.similarity.selectors import (
    MAX_K,
    anomaly_ids,
    correlations,
    latent_map,
    latent_space_serving,
    similar_subjects,
)
from hunt.similarity.services import (
    MAX_ANOMALY_SET,
    SimilarityError,
    anomaly_set_create,
    embedding_run_start,
)
from hunt.subjects.models import Subject


def _no_space() -> ApiError:
    return ApiError(
        "no latent space for the serving model yet: train one or run the embedding job",
        code="no_latent_space",
        status=status.HTTP_404_NOT_FOUND,
    )


class SimilarSubjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    similarity = serializers.FloatField(help_text="Cosine similarity of the embeddings, -1 to 1.")
    thumbnail_url = serializers.CharField(allow_null=True)
    talk_url = serializers.CharField()
    cluster_probability = serializers.FloatField(
        allow_null=True,
        help_text="The model's P(cluster): for scientists, and for volunteers only once they "
        "classified that subject.",
    )
    model_class = serializers.CharField(allow_null=True)


class SimilarSubjectsOutput(serializers.Serializer):
    subject = serializers.IntegerField()
    model_version = serializers.IntegerField()
    results = SimilarSubjectOutput(many=True)


class SimilarSubjectsApi(APIView):
    """The k subjects most like this one (cosine on the serving CNN's penultimate layer)."""

    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[
            OpenApiParameter("k", int, description=f"How many (1 to {MAX_K}, default 10).")
        ],
        responses={200: SimilarSubjectsOutput},
    )
    def get(self, request: Request, pk: int) -> Response:
        raw = request.query_params.get("k")
        k = 10 if raw is None else ascii_int(raw, minimum=1, maximum=MAX_K)
        if k is None:
            raise ApiError(f"k must be an integer from 1 to {MAX_K}", code="invalid", status=400)
        serving = latent_space_serving()
        volunteer = volunteer_for_request(request._request, create=False)
        results = None
        if serving is not None:
            results = similar_subjects(
                subject_id=pk, k=k, user=request.user, volunteer=volunteer, serving=serving
            )
        if results is None or serving is None:
            # Only now ask whether the subject exists at all: the hot path makes no extra query.
            get_object_or_404(Subject, pk=pk)
            raise _no_space()
        return Response(
            {"subject": pk, "model_version": serving.row.model_version_id, "results": results}
        )


class LatentMapOutput(serializers.Serializer):
    model_version = serializers.IntegerField()
    colour = serializers.CharField()
    kind = serializers.ChoiceField(choices=["number", "category"])
    explained = serializers.ListField(child=serializers.FloatField())
    ids = serializers.ListField(child=serializers.IntegerField())
    x = serializers.ListField(child=serializers.FloatField())
    y = serializers.ListField(child=serializers.FloatField())
    values = serializers.ListField(child=serializers.JSONField(), help_text="Null where unknown.")


class LatentMapApi(APIView):
    """The latent map: every subject on the first two principal axes, with one property's values."""

    permission_classes = (IsScientist,)

    @extend_schema(
        parameters=[
            OpenApiParameter("colour", str, description="A property key (default model_class).")
        ],
        responses={200: LatentMapOutput},
    )
    def get(self, request: Request) -> Response:
        colour = request.query_params.get("colour", "model_class")
        if colour not in properties():
            known = ", ".join(sorted(properties()))
            raise ApiError(f"unknown colour {colour!r}; one of {known}", code="invalid", status=400)
        serving = latent_space_serving()
        if serving is None:
            raise _no_space()
        return Response(latent_map(serving, colour=colour))


class CorrelationCellOutput(serializers.Serializer):
    rho = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField()


class CorrelationRowOutput(serializers.Serializer):
    property = serializers.CharField()
    title = serializers.CharField()
    cells = CorrelationCellOutput(many=True)


class CorrelationAxisOutput(serializers.Serializer):
    axis = serializers.IntegerField()
    explained = serializers.FloatField()


class CorrelationsOutput(serializers.Serializer):
    axes = CorrelationAxisOutput(many=True)
    rows = CorrelationRowOutput(many=True)


class LatentCorrelationsApi(APIView):
    """Spearman's rho of each principal latent axis with each numeric property."""

    permission_classes = (IsScientist,)

    @extend_schema(responses={200: CorrelationsOutput})
    def get(self, request: Request) -> Response:
        serving = latent_space_serving()
        if serving is None:
            raise _no_space()
        return Response(correlations(serving))


class EmbeddingRunOutput(serializers.ModelSerializer):
    percent = serializers.FloatField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = EmbeddingRun
        fields = (
            "id", "url", "status", "percent", "done", "total", "model_version", "attempts", "error",
            "created_at", "started_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_url(self, run: EmbeddingRun) -> str:
        return reverse("api-embedding-run-detail", args=[run.pk])


class EmbeddingRunListCreateApi(APIView):
    """Admins (re)compute the serving model's embeddings for every subject; 202 and poll the run."""

    permission_classes = (IsAdmin,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "ingest"

    @extend_schema(responses=EmbeddingRunOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(EmbeddingRunOutput(EmbeddingRun.objects.all()[:20], many=True).data)

    @extend_schema(request=None, responses={202: EmbeddingRunOutput, 409: None, 503: None})
    def post(self, request: Request) -> Response:
        user = request.user if isinstance(request.user, User) else None
        try:
            run = embedding_run_start(user=user)
        except SimilarityError as error:
            raise ApiError(error.message, code=error.code, status=error.status) from error
        response = Response(EmbeddingRunOutput(run).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = reverse("api-embedding-run-detail", args=[run.pk])
        return response


class EmbeddingRunDetailApi(APIView):
    permission_classes = (IsScientist,)

    @extend_schema(responses=EmbeddingRunOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(EmbeddingRunOutput(get_object_or_404(EmbeddingRun, pk=pk)).data)


class AnomalySetInput(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    size = serializers.IntegerField(min_value=1, max_value=MAX_ANOMALY_SET, default=50)


class AnomalySetOutput(serializers.ModelSerializer):
    workflow: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    classify_url = serializers.SerializerMethodField()

    class Meta:
        model = AnomalySet
        fields = (
            "id",
            "name",
            "workflow",
            "classify_url",
            "model_version",
            "subject_ids",
            "created_at",
        )
        read_only_fields = fields

    def get_classify_url(self, anomaly_set: AnomalySet) -> str:
        return f"{reverse('classify:classify')}?workflow={anomaly_set.workflow.slug}"


class AnomalySetCreateApi(APIView):
    """Admins send the serving latent space's most anomalous subjects to volunteers (their own workflow)."""

    permission_classes = (IsAdmin,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "ingest"

    @extend_schema(request=AnomalySetInput, responses={201: AnomalySetOutput, 404: None})
    def post(self, request: Request) -> Response:
        data = AnomalySetInput(data=request.data)
        if not data.is_valid():
            field, problems = next(iter(data.errors.items()))
            raise ApiError(f"{field}: {' '.join(map(str, problems))}", code="invalid", status=400)
        values: dict[str, Any] = data.validated_data
        serving = latent_space_serving()
        if serving is None:
            raise _no_space()
        user = request.user if isinstance(request.user, User) else None
        try:
            created = anomaly_set_create(
                user=user, name=values["name"], size=values["size"], anomalies=anomaly_ids(serving),
                version=serving.row.model_version,
            )  # fmt: skip
        except SimilarityError as error:
            raise ApiError(error.message, code=error.code, status=error.status) from error
        return Response(AnomalySetOutput(created).data, status=status.HTTP_201_CREATED)
