from django.urls import path

from hunt.collect import views

app_name = "collect"

urlpatterns = [
    path("collect/", views.index, name="index"),
    path("collect/new/", views.collection_new, name="new"),
    path("collect/<uuid:key>/", views.collection_detail, name="detail"),
    path("collect/<uuid:key>/edit/", views.collection_edit, name="edit"),
    path("collect/<uuid:key>/delete/", views.collection_remove, name="delete"),
    path(
        "collect/<uuid:key>/subjects/<int:subject_id>/remove/",
        views.collection_subject_remove_view,
        name="remove_subject",
    ),
]
