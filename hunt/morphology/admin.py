"""Read-only admin views: rows are written by the measuring job and the command."""

from django.contrib import admin
from django.http import HttpRequest

from hunt.morphology.models import MorphologyRun, SubjectMorphology


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SubjectMorphology)
class SubjectMorphologyAdmin(_ReadOnly):
    list_display = ("subject", "version", "status", "c_santos", "w", "n_net_counts", "measured_at")
    list_filter = ("status", "version")


@admin.register(MorphologyRun)
class MorphologyRunAdmin(_ReadOnly):
    list_display = ("id", "status", "done", "total", "only_missing", "attempts", "created_at")
    list_filter = ("status",)
