"""API routes of this app, included under /api/."""

from django.urls import URLPattern, path

from hunt.collect import apis

urlpatterns: list[URLPattern] = [
    path("collections/", apis.CollectionListCreateApi.as_view(), name="api-collections"),
    path(
        "collections/<uuid:key>/",
        apis.CollectionDetailApi.as_view(),
        name="api-collection-detail",
    ),
    path(
        "collections/<uuid:key>/items/",
        apis.CollectionItemListCreateApi.as_view(),
        name="api-collection-items",
    ),
    path(
        "collections/<uuid:key>/items/<int:subject_id>/",
        apis.CollectionItemDetailApi.as_view(),
        name="api-collection-item",
    ),
    path(
        "collections/<uuid:key>/export.csv",
        apis.CollectionExportApi.as_view(),
        name="api-collection-export",
    ),
    path("favourites/<int:subject_id>/", apis.FavouriteApi.as_view(), name="api-favourite"),
]
