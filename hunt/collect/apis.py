"""The Collect API: collections (list, create, read, edit, delete), their subjects, CSV export, favourites.

Same rules as the pages (they share `hunt.collect.selectors`): anyone may read public collections; a private
collection is 404 for everyone but its owner; only the owner changes a collection; owning one needs an account.
"""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from hunt.accounts.models import Volunteer
from hunt.classify.talk import talk_url
from hunt.collect.exports import collection_csv, collection_csv_filename
from hunt.collect.models import Collection, CollectionItem
from hunt.collect.selectors import (
    collection_for_owner,
    collection_for_viewer,
    collection_items,
    collections_visible_to,
    collector_for_request,
    is_owner,
    owner_name,
    subject_collect_state,
)
from hunt.collect.services import (
    CollectError,
    collection_create,
    collection_delete,
    collection_subject_add,
    collection_subject_remove,
    collection_update,
    favourite_set,
)
from hunt.core.pagination import BoundedLimitOffsetPagination, paginated
from hunt.core.throttling import AnonThrottle, ScopedWriteRateThrottle, UserThrottle
from hunt.subjects.models import Subject


class _CollectThrottled:
    # The default per-user/anon rates still apply; the "collect" scope adds a tighter one for writes.
    throttle_classes: Sequence[type[BaseThrottle]] = (
        AnonThrottle,
        UserThrottle,
        ScopedWriteRateThrottle,
    )
    throttle_scope = "collect"


def _fail(error: CollectError) -> APIException:
    exception = APIException(error.message)
    exception.status_code = error.status
    return exception


def _viewer(request: Request) -> Volunteer | None:
    return collector_for_request(request._request)


def _owner(request: Request) -> Volunteer:
    owner = _viewer(request)
    if owner is None:
        raise NotAuthenticated("Log in to keep collections.")
    return owner


class CollectionOutput(serializers.Serializer):
    key = serializers.UUIDField()
    title = serializers.CharField()
    description = serializers.CharField()
    is_public = serializers.BooleanField()
    is_favourites = serializers.BooleanField()
    owner = serializers.CharField(help_text="The owner's username.")
    is_mine = serializers.BooleanField()
    item_count = serializers.IntegerField()
    url = serializers.CharField(help_text="The collection's page; public ones can be shared by it.")
    export_url = serializers.CharField(help_text="CSV of subject ids and coordinates.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def _collection_data(collection: Collection, viewer: Volunteer | None) -> dict[str, Any]:
    return {
        "key": collection.key,
        "title": collection.title,
        "description": collection.description,
        "is_public": collection.is_public,
        "is_favourites": collection.is_favourites,
        "owner": owner_name(collection),
        "is_mine": is_owner(collection, viewer),
        "item_count": _item_count(collection),
        "url": reverse("collect:detail", args=[collection.key]),
        "export_url": reverse("api-collection-export", args=[collection.key]),
        "created_at": collection.created_at,
        "updated_at": collection.updated_at,
    }


def _item_count(collection: Collection) -> int:
    annotated = getattr(collection, "item_count", None)  # the selectors annotate it
    return collection.items.count() if annotated is None else int(annotated)


class CollectionCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=2000, required=False, default="", allow_blank=True
    )
    is_public = serializers.BooleanField(required=False, default=False)
    subjects = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=500,
        help_text="Subjects to put in the new collection straight away.",
    )


class CollectionUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    is_public = serializers.BooleanField(required=False)


class CollectionListCreateApi(_CollectThrottled, APIView):
    """Collections the caller may see (their own and every public one), and creating a new one."""

    permission_classes = (IsAuthenticatedOrReadOnly,)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "mine", OpenApiTypes.BOOL, description="Only the caller's own collections."
            )
        ],
        responses=paginated(CollectionOutput),
        operation_id="collections_list",
    )
    def get(self, request: Request) -> Response:
        viewer = _viewer(request)
        queryset = collections_visible_to(viewer=viewer)
        if request.query_params.get("mine") in ("1", "true", "True"):
            queryset = queryset.filter(owner=viewer) if viewer else queryset.none()
        queryset = (
            queryset.select_related("owner__user")
            .annotate(item_count=Count("items"))
            .order_by("-updated_at", "-id")
        )
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        data = [_collection_data(collection, viewer) for collection in page]
        return paginator.get_paginated_response(CollectionOutput(data, many=True).data)

    @extend_schema(request=CollectionCreateInput, responses={201: CollectionOutput})
    def post(self, request: Request) -> Response:
        owner = _owner(request)
        data = CollectionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            collection = collection_create(
                owner=owner,
                title=data.validated_data["title"],
                description=data.validated_data["description"],
                is_public=data.validated_data["is_public"],
                subject_ids=data.validated_data["subjects"],
            )
        except CollectError as error:
            raise _fail(error) from error
        collection = collection_for_viewer(key=collection.key, viewer=owner)
        return Response(
            CollectionOutput(_collection_data(collection, owner)).data,
            status=status.HTTP_201_CREATED,
        )


class CollectionDetailApi(_CollectThrottled, APIView):
    """One collection by its key: 404 unless it is public or yours; changes are for the owner only."""

    permission_classes = (IsAuthenticatedOrReadOnly,)

    @extend_schema(responses=CollectionOutput)
    def get(self, request: Request, key: uuid.UUID) -> Response:
        viewer = _viewer(request)
        collection = collection_for_viewer(key=key, viewer=viewer)
        return Response(CollectionOutput(_collection_data(collection, viewer)).data)

    @extend_schema(request=CollectionUpdateInput, responses=CollectionOutput)
    def patch(self, request: Request, key: uuid.UUID) -> Response:
        viewer = _viewer(request)
        collection = collection_for_owner(key=key, viewer=viewer)
        data = CollectionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            collection_update(collection=collection, **data.validated_data)
        except CollectError as error:
            raise _fail(error) from error
        return Response(CollectionOutput(_collection_data(collection, viewer)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, key: uuid.UUID) -> Response:
        collection = collection_for_owner(key=key, viewer=_viewer(request))
        collection_delete(collection=collection)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ItemOutput(serializers.Serializer):
    subject = serializers.IntegerField()
    external_id = serializers.CharField()
    ra = serializers.FloatField(allow_null=True)
    dec = serializers.FloatField(allow_null=True)
    thumbnail_url = serializers.CharField(allow_null=True)
    talk_url = serializers.CharField()
    added_at = serializers.DateTimeField()


def _item_data(item: CollectionItem) -> dict[str, Any]:
    subject: Subject = item.subject
    return {
        "subject": subject.pk,
        "external_id": subject.external_id,
        "ra": subject.ra,
        "dec": subject.dec,
        "thumbnail_url": subject.thumbnail.url if subject.thumbnail else None,
        "talk_url": talk_url(subject.pk),
        "added_at": item.added_at,
    }


class ItemInput(serializers.Serializer):
    subject = serializers.IntegerField(min_value=1)


class ItemAddOutput(serializers.Serializer):
    subject = serializers.IntegerField()
    added = serializers.BooleanField(help_text="False when the subject was already there.")


class CollectionItemListCreateApi(_CollectThrottled, APIView):
    """The subjects of a collection (newest first), and adding one (owner only; adding twice is harmless)."""

    permission_classes = (IsAuthenticatedOrReadOnly,)

    @extend_schema(responses=paginated(ItemOutput), operation_id="collections_items_list")
    def get(self, request: Request, key: uuid.UUID) -> Response:
        collection = collection_for_viewer(key=key, viewer=_viewer(request))
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(collection_items(collection=collection), request, self)
        data = [_item_data(item) for item in page or []]
        return paginator.get_paginated_response(ItemOutput(data, many=True).data)

    @extend_schema(
        request=ItemInput,
        responses={201: ItemAddOutput, 200: ItemAddOutput, 404: OpenApiResponse(None)},
    )
    def post(self, request: Request, key: uuid.UUID) -> Response:
        collection = collection_for_owner(key=key, viewer=_viewer(request))
        data = ItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        subject_id = data.validated_data["subject"]
        try:
            added = collection_subject_add(collection=collection, subject_id=subject_id)
        except CollectError as error:
            raise _fail(error) from error
        return Response(
            {"subject": subject_id, "added": added},
            status=status.HTTP_201_CREATED if added else status.HTTP_200_OK,
        )


class CollectionItemDetailApi(_CollectThrottled, APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, key: uuid.UUID, subject_id: int) -> Response:
        """Take a subject out of the collection (owner only; removing an absent one is harmless)."""
        collection = collection_for_owner(key=key, viewer=_viewer(request))
        collection_subject_remove(collection=collection, subject_id=subject_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CSVRenderer(BaseRenderer):
    """Lets a client ask for `Accept: text/csv` (the view writes the CSV itself; errors stay JSON)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return str(data).encode(self.charset)


class CollectionExportApi(_CollectThrottled, APIView):
    """The collection as CSV: subject id, external id, RA and Dec (degrees, ICRS), date added."""

    permission_classes = (IsAuthenticatedOrReadOnly,)
    renderer_classes = (JSONRenderer, CSVRenderer)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request, key: uuid.UUID) -> HttpResponse:
        collection = collection_for_viewer(key=key, viewer=_viewer(request))
        response = HttpResponse(collection_csv(collection), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{collection_csv_filename(collection)}"'
        )
        return response


class CollectionChoiceOutput(serializers.Serializer):
    key = serializers.UUIDField()
    title = serializers.CharField()
    is_public = serializers.BooleanField()
    contains = serializers.BooleanField(help_text="Whether this collection holds the subject.")


class FavouriteOutput(serializers.Serializer):
    subject = serializers.IntegerField()
    favourite = serializers.BooleanField()
    collections = CollectionChoiceOutput(
        many=True, help_text="The caller's other collections, for the 'add to collection' control."
    )


class FavouriteApi(_CollectThrottled, APIView):
    """A subject in the caller's Favourites: read the state, PUT to add (answers the state), DELETE to remove
    (204); both idempotent."""

    permission_classes = (IsAuthenticated,)

    def _state(self, owner: Volunteer, subject_id: int) -> Response:
        state = subject_collect_state(owner=owner, subject_id=subject_id)
        collections = [
            {key: row[key] for key in ("key", "title", "is_public", "contains")}
            for row in state.collections
        ]
        return Response(
            FavouriteOutput(
                {"subject": subject_id, "favourite": state.favourite, "collections": collections}
            ).data
        )

    @extend_schema(responses=FavouriteOutput)
    def get(self, request: Request, subject_id: int) -> Response:
        owner = _owner(request)
        _subject_or_404(subject_id)
        return self._state(owner, subject_id)

    @extend_schema(request=None, responses=FavouriteOutput)
    def put(self, request: Request, subject_id: int) -> Response:
        return self._set(request, subject_id, favourite=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, subject_id: int) -> Response:
        # 204 as documented (a body on DELETE was a schema violation); GET reads the state when wanted.
        self._set(request, subject_id, favourite=False)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _set(self, request: Request, subject_id: int, *, favourite: bool) -> Response:
        owner = _owner(request)
        _subject_or_404(subject_id)
        try:
            favourite_set(owner=owner, subject_id=subject_id, favourite=favourite)
        except CollectError as error:
            raise _fail(error) from error
        return self._state(owner, subject_id)


def _subject_or_404(subject_id: int) -> None:
    if not Subject.objects.filter(pk=subject_id).exists():
        raise Http404(f"There is no subject {subject_id}.")
