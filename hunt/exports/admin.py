from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from hunt.exports.models import ExportJob
from hunt.exports.services import export_job_delete


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = (
        "id", "kind", "layout", "file_format", "status", "row_count", "size_bytes", "requested_by",
        "created_at",
    )  # fmt: skip
    list_filter = ("kind", "file_format", "status")
    readonly_fields = (
        "kind", "layout", "file_format", "filters", "snapshot", "status", "total", "done", "attempts",
        "file", "file_name", "size_bytes", "sha256", "row_count", "error", "requested_by", "created_at",
        "started_at", "finished_at",
    )  # fmt: skip
    actions = ("delete_with_files",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Delete the selected exports and their files")
    def delete_with_files(self, request: HttpRequest, queryset: QuerySet[ExportJob]) -> None:
        for job in queryset:
            export_job_delete(job=job)
