from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from hunt.classify.selectors import workflow_default
from hunt.learning.models import LabelSnapshot, ModelVersion, Prediction, TrainingRun
from hunt.learning.services import (
    ModelNotPromotable,
    NoNewLabels,
    NotEnoughLabels,
    TrainingAlreadyActive,
    TrainingUnavailable,
    model_promote,
    training_run_cancel,
    training_run_start,
)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "progress", "attempts", "snapshot", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in TrainingRun._meta.fields]
    actions = ("retrain", "retrain_unchanged", "cancel")

    @admin.display(description="Progress")
    def progress(self, run: TrainingRun) -> str:
        return format_html(
            '<progress value="{}" max="100"></progress> {}%', int(run.percent), int(run.percent)
        )

    @admin.action(description="Start a new retraining run (the selection is ignored)")
    def retrain(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        self._retrain(request, refuse_unchanged=True)

    @admin.action(description="Retrain even if no label changed since the last run")
    def retrain_unchanged(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        self._retrain(request, refuse_unchanged=False)

    def _retrain(self, request: HttpRequest, *, refuse_unchanged: bool) -> None:
        workflow = workflow_default()
        if workflow is None:
            self.message_user(request, "No active workflow.", messages.ERROR)
            return
        try:
            run = training_run_start(
                user=request.user,  # type: ignore[arg-type]
                workflow=workflow,
                refuse_unchanged=refuse_unchanged,
            )
        except (TrainingAlreadyActive, NoNewLabels) as error:
            self.message_user(request, f"Not started: {error}.", messages.WARNING)
        except (NotEnoughLabels, TrainingUnavailable) as error:
            self.message_user(request, f"Not started: {error}.", messages.ERROR)
        else:
            self.message_user(request, f"Training run #{run.pk} queued.", messages.SUCCESS)

    @admin.action(description="Cancel the selected runs")
    def cancel(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        for run in queryset:
            training_run_cancel(run=run)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "is_champion",
        "snapshot_sha256",
        "seed",
        "temperature",
        "promoted_at",
        "created_at",
    )
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ("promote",)

    @admin.action(description="Serve this model (promote, or roll back to it)")
    def promote(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model version.", messages.ERROR)
            return
        version = queryset.get()
        try:
            model_promote(version=version, note=f"promoted by {request.user} in the admin")
        except ModelNotPromotable as error:
            self.message_user(request, f"Not promoted: {error}.", messages.ERROR)
            return
        self.message_user(request, f"Model v{version.pk} is now serving.", messages.SUCCESS)


@admin.register(LabelSnapshot)
class LabelSnapshotAdmin(admin.ModelAdmin):
    list_display = ("id", "sha256", "row_count", "min_votes", "created_at")
    readonly_fields = [f.name for f in LabelSnapshot._meta.fields]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ("subject", "model_version", "cluster_probability", "uncertainty")
    list_filter = ("model_version",)
    raw_id_fields = ("subject",)
