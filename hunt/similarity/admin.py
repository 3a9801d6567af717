"""Read-only admin views: the rows are written by training, the embedding job and the latent-space page."""

from django.contrib import admin
from django.http import HttpRequest

from hunt.similarity.models import AnomalySet, EmbeddingRun, LatentSpaceFile


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LatentSpaceFile)
class LatentSpaceFileAdmin(_ReadOnly):
    list_display = ("model_version", "subjects", "dim", "source", "created_at")


@admin.register(EmbeddingRun)
class EmbeddingRunAdmin(_ReadOnly):
    list_display = ("id", "model_version", "status", "done", "total", "attempts", "created_at")
    list_filter = ("status",)


@admin.register(AnomalySet)
class AnomalySetAdmin(_ReadOnly):
    list_display = ("name", "workflow", "model_version", "created_by", "created_at")
