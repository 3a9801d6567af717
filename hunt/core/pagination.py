"""The one pagination of every API list: `?limit=` capped (no `?limit=1000000`), offsets within bigint."""

from functools import cache

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_LIMIT = 200
MAX_OFFSET = 2**62


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), MAX_OFFSET)


@cache
def paginated(serializer: type[serializers.BaseSerializer]) -> serializers.Serializer:
    """The OpenAPI shape of a page of `serializer`: DRF's limit/offset envelope around `results`."""
    name = serializer.__name__.removesuffix("Output").removesuffix("Serializer")
    return inline_serializer(
        f"Paginated{name}List",
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )
