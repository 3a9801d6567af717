"""API for the site's health: a worker round trip that a page or a script can trigger and poll."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hunt.accounts.permissions import IsAdmin
from hunt.accounts.roles import role_name
from hunt.core.models import WorkerPing
from hunt.core.services import worker_ping_start
from hunt.core.throttling import ScopedWriteRateThrottle


class WorkerPingOutput(serializers.ModelSerializer):
    round_trip_ms = serializers.FloatField(allow_null=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WorkerPing
        fields = (
            "id",
            "status",
            "status_display",
            "queue",
            "web_hostname",
            "web_pid",
            "worker_hostname",
            "worker_pid",
            "created_at",
            "answered_at",
            "round_trip_ms",
            "error",
        )
        read_only_fields = fields


class WorkerPingListCreateApi(APIView):
    permission_classes = (IsAdmin,)
    throttle_classes = (ScopedWriteRateThrottle,)
    throttle_scope = "worker_ping"

    @extend_schema(request=None, responses={202: WorkerPingOutput, 503: None})
    def post(self, request: Request) -> Response:
        ping = worker_ping_start(user=request.user)
        return Response(WorkerPingOutput(ping).data, status=status.HTTP_202_ACCEPTED)


class WorkerPingDetailApi(APIView):
    permission_classes = (IsAdmin,)

    @extend_schema(responses=WorkerPingOutput)
    def get(self, request: Request, pk: int) -> Response:
        ping = get_object_or_404(WorkerPing, pk=pk)
        return Response(WorkerPingOutput(ping).data)


class MeOutput(serializers.Serializer):
    username = serializers.CharField(allow_null=True)
    role = serializers.ChoiceField(choices=["volunteer", "scientist", "admin"])
    authenticated = serializers.BooleanField()


class MeApi(APIView):
    """Who the caller is, as the API sees them (handy to check a token)."""

    permission_classes = ()

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            MeOutput(
                {
                    "username": user.get_username() if user.is_authenticated else None,
                    "role": role_name(user),
                    "authenticated": user.is_authenticated,
                }
            ).data
        )
