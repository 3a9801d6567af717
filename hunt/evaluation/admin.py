from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from hunt.classify.selectors import workflow_default
from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.selectors import catalogue_default
from hunt.evaluation.services import EvaluationError, evaluation_run_create
from hunt.learning.selectors import champion


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = (
        "id", "status", "trigger", "model_version", "catalogue_name", "split", "classes", "auc",
        "dashboard", "created_at",
    )  # fmt: skip
    list_filter = ("status", "trigger", "split")
    exclude = ("scores",)
    readonly_fields = [f.name for f in EvaluationRun._meta.fields if f.name != "scores"]
    actions = ("evaluate_now",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvaluationRun]:
        return super().get_queryset(request).defer("scores")

    @admin.display(description="Classes")
    def classes(self, run: EvaluationRun) -> str:
        return run.class_filter_label

    @admin.display(description="Model AUC")
    def auc(self, run: EvaluationRun) -> str:
        value = (run.results.get("model") or {}).get("auc")
        return "-" if value is None else f"{value:.3f}"

    @admin.display(description="Dashboard")
    def dashboard(self, run: EvaluationRun) -> str:
        return format_html('<a href="{}">open</a>', reverse("evaluation:run", args=[run.pk]))

    @admin.action(description="Evaluate the serving model now (the selection is ignored)")
    def evaluate_now(self, request: HttpRequest, queryset: QuerySet[EvaluationRun]) -> None:
        workflow, catalogue = workflow_default(), catalogue_default()
        if workflow is None or catalogue is None:
            self.message_user(
                request, "Needs an active workflow and a loaded catalogue.", messages.ERROR
            )
            return
        try:
            run = evaluation_run_create(
                workflow=workflow, catalogue=catalogue, model_version=champion(),
                user=request.user,  # type: ignore[arg-type]
            )  # fmt: skip
        except EvaluationError as error:
            self.message_user(request, f"Not started: {error}.", messages.ERROR)
        else:
            self.message_user(request, f"Evaluation #{run.pk} queued.", messages.SUCCESS)
