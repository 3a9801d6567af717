"""Admins edit workflows (question, retirement rules, gold settings) here; edits apply without a restart."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from hunt.classify.models import (
    Classification,
    CrowdAggregation,
    SubjectStatus,
    VolunteerProgress,
    Workflow,
)
from hunt.classify.rules import RuleError, rules_validate
from hunt.classify.services import workflow_rules_apply, workflow_subjects_sync

# Changing any of these changes what a volunteer answers, so classifications must record a new version.
VERSIONED_FIELDS = ("question", "ask_redshift", "answer_help")


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = (
            "name", "slug", "question", "active", "subject_sets", "include_new_sets", "ask_redshift",
            "answer_help", "retirement_limit", "retirement_rules", "gold_schedule",
            "gold_feedback", "hidden_gold_share", "seed", "posterior_retire_at", "posterior_min_votes",
            "posterior_target_fpr", "posterior_target_tpr",
        )  # fmt: skip

    def clean_retirement_rules(self) -> Any:
        rules = self.cleaned_data["retirement_rules"]
        try:
            rules_validate(rules)
        except RuleError as error:
            raise forms.ValidationError(str(error)) from error
        return rules

    def clean_gold_schedule(self) -> Any:
        schedule = self.cleaned_data["gold_schedule"]
        valid = isinstance(schedule, list) and all(
            isinstance(step, list) and len(step) == 2 and 0 <= float(step[1]) <= 1
            for step in schedule
        )
        if not valid or schedule[-1][0] is not None:
            raise forms.ValidationError(
                "Expected [[20, 0.4], [40, 0.3], [60, 0.2], [null, 0.1]]: the last limit is null."
            )
        return schedule


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    form = WorkflowForm
    list_display = (
        "name", "slug", "version", "active", "retirement_limit", "posterior_retire_at",
        "posterior_calibrated_at", "gold_feedback",
    )  # fmt: skip
    readonly_fields = (
        "version", "priority_epoch", "created_at", "posterior_calibrated_at", "posterior_calibration",
    )  # fmt: skip
    filter_horizontal = ("subject_sets",)
    prepopulated_fields = {"slug": ("name",)}
    actions = ("sync_subjects", "apply_rules")

    @admin.display(description="Posterior calibration on gold (latest crowd aggregation)")
    def posterior_calibration(self, obj: Workflow) -> str:
        run = CrowdAggregation.objects.filter(workflow=obj).first()
        if run is None:
            return "No crowd aggregation yet."
        calibration = run.stats.get("calibration")
        if not calibration:
            return f"Run #{run.pk}: no target set; retired at {run.stats.get('retire_at')}."
        if calibration["threshold"] is None:
            return (
                f"Run #{run.pk}: not calibrated ({calibration['note']}); "
                f"retired at {run.stats.get('retire_at')}."
            )
        return (
            f"Run #{run.pk}: threshold {calibration['threshold']:.5g} on {calibration['gold']} gold "
            f"({calibration['wrong']} with a wrong label): TPR {calibration['tpr']:.3f}, "
            f"FPR {calibration['fpr']:.3f}"
            + (f"; {calibration['note']}" if calibration["note"] else "")
        )

    def save_model(
        self, request: HttpRequest, obj: Workflow, form: forms.ModelForm, change: bool
    ) -> None:
        if change and any(field in form.changed_data for field in VERSIONED_FIELDS):
            obj.version += 1
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        added = workflow_subjects_sync(workflow=form.instance)
        if added:
            self.message_user(request, f"{added} subject(s) joined the workflow.", messages.INFO)

    @admin.action(description="Add subjects of the workflow's sets that are missing")
    def sync_subjects(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        for workflow in queryset:
            self.message_user(
                request,
                f"{workflow}: {workflow_subjects_sync(workflow=workflow)} subject(s) added.",
            )

    @admin.action(description="Apply the retirement rules to every active subject now")
    def apply_rules(self, request: HttpRequest, queryset: QuerySet[Workflow]) -> None:
        for workflow in queryset:
            self.message_user(
                request,
                f"{workflow}: {workflow_rules_apply(workflow=workflow)} subject(s) retired.",
            )


@admin.register(SubjectStatus)
class SubjectStatusAdmin(admin.ModelAdmin):
    list_display = (
        "subject",
        "workflow",
        "classification_count",
        "is_gold",
        "retired_at",
        "retirement_reason",
    )
    list_filter = ("workflow", "is_gold", "retirement_reason")
    raw_id_fields = ("subject",)
    search_fields = ("subject__external_id",)
    list_select_related = ("subject", "workflow", "subject__subject_set")


class SignedInFilter(admin.SimpleListFilter):
    title = "volunteer"
    parameter_name = "signed_in"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Signed in when classifying"), ("no", "Anonymous when classifying")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Classification]
    ) -> QuerySet[Classification]:
        if self.value() in ("yes", "no"):
            return queryset.filter(logged_in_at_classification=self.value() == "yes")
        return queryset


@admin.register(Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "subject",
        "volunteer_link",
        "answer",
        "redshift",
        "workflow_version",
        "was_gold",
        "created_at",
    )
    list_filter = (
        "workflow", "subject__subject_set", ("created_at", admin.DateFieldListFilter),
        SignedInFilter, "answer", "was_gold",
    )  # fmt: skip
    # By classification or subject id, the subject's external id, or the volunteer's username; one volunteer's
    # classifications: follow the link in the Volunteer column (?volunteer__id__exact=...).
    search_fields = ("=id", "=subject__id", "subject__external_id", "volunteer__user__username")
    search_help_text = "Classification id, subject id or external id, or a volunteer's username."
    raw_id_fields = ("subject", "volunteer")
    list_select_related = ("subject", "volunteer", "volunteer__user", "subject__subject_set")
    date_hierarchy = "created_at"

    @admin.display(description="Volunteer", ordering="volunteer")
    def volunteer_link(self, classification: Classification) -> str:
        return format_html(
            '<a href="?volunteer__id__exact={}" title="Only this volunteer\'s classifications">{}</a>',
            classification.volunteer_id,
            classification.volunteer,
        )

    def has_change_permission(
        self, request: HttpRequest, obj: Classification | None = None
    ) -> bool:
        return False  # labels are evidence: never edited after the fact


@admin.register(VolunteerProgress)
class VolunteerProgressAdmin(admin.ModelAdmin):
    list_display = ("volunteer", "workflow", "seen_count", "gold_seen", "gold_correct")
    raw_id_fields = ("volunteer",)
