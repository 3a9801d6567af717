"""The volunteer API: next subject, classify (the hot write path), subject detail, own history.

On PostgreSQL a well-formed JSON classification is answered by `hunt.classify.fast_post` before the rest of
the middleware and DRF; `ClassificationCreateApi` answers everything else (the demo's SQLite, forms, and every
body `classification_values` does not take, so DRF's serializer words the errors) and documents the endpoint.
"""

import uuid
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.csrf import enforce_csrf_unless_token
from hunt.accounts.services import volunteer_for_request
from hunt.classify.models import ANSWERS, REDSHIFTS, Classification, Workflow
from hunt.classify.selectors import (
    classifications_of_volunteer,
    subject_next_for_volunteer,
    subject_payload,
)
from hunt.classify.services import (
    ClassificationError,
    ClassificationResult,
    classification_create,
)
from hunt.classify.talk import talk_url
from hunt.classify.viewer_state import ViewerStateField, viewer_state_problem
from hunt.classify.workflow_cache import workflow_active
from hunt.core.client import client_ip
from hunt.core.errors import ApiError
from hunt.core.pagination import BoundedLimitOffsetPagination, paginated
from hunt.core.params import ascii_int
from hunt.core.throttling import ScopedCounterThrottle
from hunt.subjects.models import Subject


def no_workflow_detail(slug: str | None) -> str:
    """The 404's detail when no active workflow answers to `slug` (the default one when None)."""
    return f"no active workflow {slug!r}" if slug else "no active workflow"


def _workflow(slug: str | None) -> Workflow:
    workflow = workflow_active(slug)
    if workflow is None:
        raise Http404(no_workflow_detail(slug))
    return workflow


class DenoisedOutput(serializers.Serializer):
    data_url = serializers.CharField()
    meta = serializers.DictField()


class BandOutput(serializers.Serializer):
    data_url = serializers.CharField()
    preview_url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    pixel_scale_arcsec = serializers.FloatField(allow_null=True)
    meta = serializers.DictField()
    denoised = DenoisedOutput(
        allow_null=True,
        help_text="A denoised copy for display (Anscombe + wavelet shrinkage at ingestion); a visual "
        "aid, not data. Null when the subject was ingested without one.",
    )


class BandsOutput(serializers.Serializer):
    xray = BandOutput(allow_null=True)
    optical = BandOutput(allow_null=True)


class SubjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    set_name = serializers.CharField()
    citation = serializers.CharField()
    ra = serializers.FloatField(allow_null=True)
    dec = serializers.FloatField(allow_null=True)
    metadata = serializers.DictField()
    thumbnail_url = serializers.CharField(allow_null=True)
    talk_url = serializers.CharField()
    bands = BandsOutput()


class SubjectNextApi(APIView):
    """The next subject for the calling volunteer (anonymous volunteers are identified by their session)."""

    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "workflow", str, description="Workflow slug (default: the first active one)."
            )
        ],
        responses={200: SubjectOutput, 204: None},
    )
    def get(self, request: Request) -> Response:
        workflow = _workflow(request.query_params.get("workflow"))
        # Looking creates nobody: an anonymous volunteer is created by their first classification.
        volunteer = volunteer_for_request(request._request, create=False)
        status_row = subject_next_for_volunteer(
            workflow=workflow,
            volunteer=volunteer,
            exclude=ascii_int(request.query_params.get("exclude"), minimum=1),
        )
        if status_row is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        subject = status_row.subject  # loaded with its set by the selector
        return Response(subject_payload(subject, talk_url=talk_url(subject.pk)))


class SubjectDetailApi(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(responses=SubjectOutput)
    def get(self, request: Request, pk: int) -> Response:
        subject = get_object_or_404(
            Subject.objects.prefetch_related("cutouts").select_related("subject_set"), pk=pk
        )
        return Response(subject_payload(subject, talk_url=talk_url(subject.pk)))


# ClassificationInput's bounds, which classification_values checks too.
_REDSHIFT_CHOICES = ("", *REDSHIFTS)
_MAX_TIME_SPENT_MS = 86_400_000
_MAX_BIGINT = 2**63 - 1
_SLUG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


class ClassificationInput(serializers.Serializer):
    subject = serializers.IntegerField(min_value=1)
    workflow = serializers.SlugField(required=False)
    answer = serializers.ChoiceField(choices=ANSWERS)
    redshift = serializers.ChoiceField(choices=list(_REDSHIFT_CHOICES), required=False, default="")
    idempotency_key = serializers.UUIDField(
        help_text="Generated by the client when the subject is shown; a retried POST with the same key "
        "returns the original classification instead of creating a second one."
    )
    time_spent_ms = serializers.IntegerField(
        min_value=0, max_value=_MAX_TIME_SPENT_MS, required=False, allow_null=True
    )
    viewer_state = ViewerStateField(required=False, default=dict)


def classification_values(data: Any) -> dict[str, Any] | None:
    """`ClassificationInput`'s validated data for a body it surely accepts, else None (let it decide).

    A strict subset of what the serializer takes, in its exact types (an int is an int, not "3"), producing
    the values it would; anything else returns None and goes to the serializer, whose messages the API's 400s
    keep. Saves DRF's per-request field copies on the hot path.
    """
    if type(data) is not dict:
        return None
    subject, answer = data.get("subject"), data.get("answer")
    redshift = data.get("redshift", "")
    if type(subject) is not int or not 1 <= subject <= _MAX_BIGINT:
        return None
    if type(answer) is not str or answer not in ANSWERS:
        return None
    if type(redshift) is not str or redshift not in _REDSHIFT_CHOICES:
        return None
    workflow = data.get("workflow")  # optional, but never null
    if "workflow" in data and (
        type(workflow) is not str or not workflow or not _SLUG_CHARACTERS.issuperset(workflow)
    ):
        return None
    key = data.get("idempotency_key")
    if type(key) is not str:
        return None
    try:
        idempotency_key = uuid.UUID(hex=key)
    except ValueError:
        return None
    time_spent_ms = data.get("time_spent_ms")
    if time_spent_ms is not None and (
        type(time_spent_ms) is not int or not 0 <= time_spent_ms <= _MAX_TIME_SPENT_MS
    ):
        return None
    viewer_state = data.get("viewer_state", {})
    if viewer_state_problem(viewer_state) is not None:
        return None
    values = {
        "subject": subject, "answer": answer, "redshift": redshift,
        "idempotency_key": idempotency_key, "time_spent_ms": time_spent_ms,
        "viewer_state": viewer_state,
    }  # fmt: skip
    if workflow is not None:
        values["workflow"] = workflow
    return values


def classification_answer(result: ClassificationResult) -> tuple[dict[str, Any], int]:
    """The API's body and status for a stored (201) or replayed (200) classification."""
    classification = result.classification
    body = {
        "id": classification.pk,
        "idempotency_key": str(classification.idempotency_key),
        "subject": classification.subject_id,
        "answer": classification.answer,
        "redshift": classification.redshift,
        "created_at": classification.created_at.isoformat(),
        "feedback": None if result.feedback is None else vars(result.feedback),
        # From the progress row the statement upserted: counting needs no session write.
        "session_count": result.seen_count,
        "talk_url": talk_url(classification.subject_id),
    }
    # Built by hand (ClassificationOutput documents it): a serializer here costs as much as the SQL.
    return body, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK


def classification_store(
    request: Any, values: dict[str, Any], workflow: Workflow
) -> ClassificationResult:
    """Store validated values for the request's volunteer (either path); raises ClassificationError."""
    volunteer = volunteer_for_request(request)
    assert volunteer is not None
    return classification_create(
        workflow=workflow,
        volunteer=volunteer,
        subject_id=values["subject"],
        answer=values["answer"],
        redshift=values["redshift"],
        idempotency_key=values["idempotency_key"],
        time_spent_ms=values.get("time_spent_ms"),
        viewer_state=values["viewer_state"],
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        ip=client_ip(request),
    )


class FeedbackOutput(serializers.Serializer):
    expert_label = serializers.CharField()
    expert_label_display = serializers.CharField()
    agrees = serializers.BooleanField()


class ClassificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    idempotency_key = serializers.UUIDField()
    subject = serializers.IntegerField()
    answer = serializers.CharField()
    redshift = serializers.CharField()
    created_at = serializers.DateTimeField()
    feedback = FeedbackOutput(allow_null=True)
    session_count = serializers.IntegerField(
        allow_null=True,
        help_text="The volunteer's classifications in this workflow (an anonymous volunteer is their "
        "session), as the classify page shows it.",
    )
    talk_url = serializers.CharField()


class ClassificationCreateApi(APIView):
    """Record a classification. Lean on purpose: this is the hot write path."""

    permission_classes = (AllowAny,)
    throttle_classes = (ScopedCounterThrottle,)
    throttle_scope = "classify"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        enforce_csrf_unless_token(request)

    @extend_schema(
        request=ClassificationInput,
        responses={201: ClassificationOutput, 200: ClassificationOutput},
    )
    def post(self, request: Request) -> Response:
        values = classification_values(request.data)
        if values is None:
            data = ClassificationInput(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
        workflow = _workflow(values.get("workflow"))
        try:
            result = classification_store(request._request, values, workflow)
        except ClassificationError as error:
            raise ApiError(error.message, code=error.code, status=error.status) from error
        body, code = classification_answer(result)
        return Response(body, status=code)


class MyClassificationOutput(serializers.ModelSerializer):
    workflow: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Classification
        fields = (
            "id",
            "subject",
            "workflow",
            "workflow_version",
            "answer",
            "redshift",
            "was_gold",
            "created_at",
        )
        read_only_fields = fields


class MyClassificationsApi(APIView):
    """The calling volunteer's own classifications, newest first (anonymous volunteers: this session's)."""

    permission_classes = (AllowAny,)

    @extend_schema(
        responses=paginated(MyClassificationOutput), operation_id="classifications_mine_list"
    )
    def get(self, request: Request) -> Response:
        volunteer = volunteer_for_request(request._request, create=False)
        paginator = BoundedLimitOffsetPagination()
        rows = (
            classifications_of_volunteer(volunteer=volunteer)
            if volunteer is not None
            else Classification.objects.none()
        )
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(MyClassificationOutput(page, many=True).data)
