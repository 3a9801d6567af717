from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import Textarea
from django.http import HttpRequest
from django.utils.html import format_html

from hunt.subjects.models import Cutout, ExpertLabel, IngestJob, Subject, SubjectSet


@admin.register(SubjectSet)
class SubjectSetAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "active", "created_at")
    list_filter = ("kind", "active")
    prepopulated_fields = {"slug": ("name",)}
    actions = ("activate", "deactivate")

    @admin.action(description="Offer the selected sets to volunteers")
    def activate(self, request: HttpRequest, queryset: QuerySet[SubjectSet]) -> None:
        queryset.update(active=True)

    @admin.action(description="Stop offering the selected sets to volunteers")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[SubjectSet]) -> None:
        queryset.update(active=False)


class CutoutInline(admin.TabularInline):
    model = Cutout
    extra = 0
    # The rendering's files and numbers, read-only; the viewer metadata (a long JSON) and the denoised file are
    # left out: as editable columns they made the Subject page 2,075 px wide at 1,366.
    fields = ("band", "width", "height", "pixel_scale_arcsec", "data_file", "preview")
    readonly_fields = fields
    can_delete = False


class ExpertLabelInline(admin.TabularInline):
    model = ExpertLabel
    extra = 0
    fields = ("source", "label", "redshift", "catalogue_id", "role", "notes")
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 24})}}


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("external_id", "subject_set", "ra", "dec", "split", "thumb", "created_at")
    list_filter = ("subject_set", "split", "expert_labels__role")
    search_fields = ("external_id",)
    list_select_related = ("subject_set",)
    inlines = (CutoutInline, ExpertLabelInline)
    # The split is fixed at ingestion (ml/splits.py): editing it by hand would leak test regions into training.
    readonly_fields = ("thumb", "split")

    @admin.display(description="Thumbnail")
    def thumb(self, subject: Subject) -> str:
        if not subject.thumbnail:
            return "-"
        return format_html('<img src="{}" width="64" height="64" alt="">', subject.thumbnail.url)


@admin.register(IngestJob)
class IngestJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "source",
        "status",
        "progress",
        "created",
        "skipped",
        "created_at",
    )
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in IngestJob._meta.fields] + ["progress"]

    @admin.display(description="Progress")
    def progress(self, job: IngestJob) -> str:
        return format_html(
            '<progress value="{}" max="{}" aria-label="ingestion progress"></progress> {}/{}',
            job.done, job.total or 1, job.done, job.total,
        )  # fmt: skip
