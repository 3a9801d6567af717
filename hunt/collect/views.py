"""Collect pages: your collections and the public ones, a collection's page (its share URL), editing.

Visibility and ownership come from `hunt.collect.selectors`, shared with the API. Owner-only pages send
anonymous visitors to log in whatever the key, so a redirect never reveals whether a collection exists.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hunt.classify.talk import talk_url
from hunt.collect.forms import CollectionForm
from hunt.collect.selectors import (
    collection_for_owner,
    collection_for_viewer,
    collection_items,
    collections_of_owner,
    collections_public,
    collector_for_request,
    is_owner,
    owner_name,
)
from hunt.collect.services import (
    CollectError,
    CollectionGone,
    collection_create,
    collection_delete,
    collection_subject_remove,
    collection_update,
)

PUBLIC_PER_PAGE = 24
ITEMS_PER_PAGE = 60


def index(request: HttpRequest) -> HttpResponse:
    viewer = collector_for_request(request)
    public = Paginator(collections_public(exclude_owner=viewer), PUBLIC_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "collect/index.html",
        {
            "mine": list(collections_of_owner(owner=viewer)) if viewer else None,
            "public": public,
            "form": CollectionForm() if viewer else None,
        },
    )


@login_required
def collection_new(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owner = collector_for_request(request)
        assert owner is not None  # login_required
        try:
            collection = collection_create(owner=owner, **form.cleaned_data)
        except CollectError as error:
            form.add_error("title", error.message)
        else:
            messages.success(request, f"Collection “{collection.title}” created.")
            return redirect("collect:detail", key=collection.key)
    return render(request, "collect/form.html", {"form": form, "collection": None})


def collection_detail(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    viewer = collector_for_request(request)
    collection = collection_for_viewer(key=key, viewer=viewer)
    items = Paginator(collection_items(collection=collection), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "collect/detail.html",
        {
            "collection": collection,
            "owner_name": owner_name(collection),
            "is_owner": is_owner(collection, viewer),
            "items": items,
            # Talk owns where a subject's page lives; ask it rather than hard-coding the route here.
            "rows": [{"item": item, "talk_url": talk_url(item.subject_id)} for item in items],
            "share_url": request.build_absolute_uri(
                reverse("collect:detail", args=[collection.key])
            ),
            "export_url": reverse("api-collection-export", args=[collection.key]),
        },
    )


@login_required
def collection_edit(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    collection = collection_for_owner(key=key, viewer=collector_for_request(request))
    if request.method != "POST":
        form = CollectionForm.for_collection(collection)
        return render(request, "collect/form.html", {"form": form, "collection": collection})
    form = CollectionForm(request.POST)
    if form.is_valid():
        try:
            collection_update(collection=collection, **form.cleaned_data)
        except CollectionGone as error:
            raise Http404(error.message) from error
        except CollectError as error:
            form.add_error("title", error.message)
        else:
            messages.success(request, "Collection saved.")
            return redirect("collect:detail", key=collection.key)
    return render(request, "collect/form.html", {"form": form, "collection": collection})


@login_required
@require_POST
def collection_remove(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    collection = collection_for_owner(key=key, viewer=collector_for_request(request))
    title = collection.title
    collection_delete(collection=collection)
    messages.success(request, f"Collection “{title}” deleted.")
    return redirect("collect:index")


@login_required
@require_POST
def collection_subject_remove_view(
    request: HttpRequest, key: uuid.UUID, subject_id: int
) -> HttpResponse:
    """The no-JavaScript way to take a subject out of a collection."""
    collection = collection_for_owner(key=key, viewer=collector_for_request(request))
    if collection_subject_remove(collection=collection, subject_id=subject_id):
        messages.success(request, f"Subject {subject_id} removed.")
    return redirect("collect:detail", key=collection.key)
