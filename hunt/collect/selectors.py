"""Reads of Collect, and the one place that says who may see and who may change a collection.

Visibility: a public collection is readable by anyone (signed in or not) who has its URL and is listed on the
Collect page; a private one exists only for its owner. Everyone else gets 404, never 403, so the existence of
somebody's private collection never leaks. Changes: only the owner; a non-owner looking at a public
collection gets 403 (it exists for them, they just can't edit it).
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from hunt.accounts.models import Volunteer
from hunt.accounts.services import volunteer_for_request
from hunt.collect.models import Collection, CollectionItem


def collector_for_request(request: HttpRequest) -> Volunteer | None:
    """The volunteer who can own collections: the signed-in account's, else nobody.

    Anonymous visitors read public collections only; their session identity owns none.
    """
    if not request.user.is_authenticated:
        return None
    return volunteer_for_request(request)


def _with_counts(queryset: QuerySet[Collection]) -> QuerySet[Collection]:
    return queryset.select_related("owner__user").annotate(item_count=Count("items"))


def collections_visible_to(*, viewer: Volunteer | None) -> QuerySet[Collection]:
    if viewer is None:
        return Collection.objects.filter(is_public=True)
    return Collection.objects.filter(Q(is_public=True) | Q(owner=viewer))


def collection_for_viewer(*, key: uuid.UUID, viewer: Volunteer | None) -> Collection:
    """The collection behind a share URL, or Http404 when it does not exist *for this viewer*."""
    collection = _with_counts(collections_visible_to(viewer=viewer)).filter(key=key).first()
    if collection is None:
        raise Http404("No such collection.")
    return collection


def collection_for_owner(*, key: uuid.UUID, viewer: Volunteer | None) -> Collection:
    """The collection to change: 404 when the viewer can't see it, 403 when they see it but don't own it."""
    collection = collection_for_viewer(key=key, viewer=viewer)
    if viewer is None or collection.owner_id != viewer.pk:
        raise PermissionDenied("Only the owner can change this collection.")
    return collection


def is_owner(collection: Collection, viewer: Volunteer | None) -> bool:
    return viewer is not None and collection.owner_id == viewer.pk


def collections_of_owner(*, owner: Volunteer) -> QuerySet[Collection]:
    """The owner's collections, Favourites first, then the most recently changed."""
    return _with_counts(Collection.objects.filter(owner=owner)).order_by(
        "-is_favourites", "-updated_at", "-id"
    )


def collections_public(*, exclude_owner: Volunteer | None = None) -> QuerySet[Collection]:
    """Public collections for the Collect page, newest change first; empty ones are not worth a visit."""
    has_items = Exists(CollectionItem.objects.filter(collection=OuterRef("pk")))
    queryset = _with_counts(Collection.objects.filter(has_items, is_public=True))
    if exclude_owner is not None:
        queryset = queryset.exclude(owner=exclude_owner)
    return queryset.order_by("-updated_at", "-id")


def collection_items(*, collection: Collection) -> QuerySet[CollectionItem]:
    return CollectionItem.objects.filter(collection=collection).select_related("subject")


def owner_name(collection: Collection) -> str:
    user = collection.owner.user
    return user.get_username() if user is not None else "a volunteer"


@dataclass(frozen=True)
class SubjectCollectState:
    subject_id: int
    favourite: bool
    collections: list[dict[str, Any]]


def subject_collect_state(*, owner: Volunteer, subject_id: int) -> SubjectCollectState:
    """For the ♥/collect control: is the subject a favourite, and which of the owner's collections hold it."""
    rows = (
        Collection.objects.filter(owner=owner)
        .annotate(
            contains=Exists(
                CollectionItem.objects.filter(collection=OuterRef("pk"), subject_id=subject_id)
            )
        )
        .order_by("-is_favourites", "title")
        .values("key", "title", "is_public", "is_favourites", "contains")
    )
    collections = [dict(row) for row in rows]
    favourite = any(row["is_favourites"] and row["contains"] for row in collections)
    return SubjectCollectState(
        subject_id=subject_id,
        favourite=favourite,
        collections=[row for row in collections if not row["is_favourites"]],
    )
