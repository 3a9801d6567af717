"""Reads for exports: the filtered classifications and subject statuses, snapshots, and export jobs."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from hunt.accounts.roles import is_admin
from hunt.classify.models import Classification, SubjectStatus, Workflow
from hunt.classify.selectors import workflow_default
from hunt.exports.filters import ExportError, ExportFilters
from hunt.exports.models import ExportJob
from hunt.learning.models import LabelSnapshot, ModelVersion
from hunt.subjects.models import ExpertLabel


def export_workflow(filters: ExportFilters, *, required: bool) -> Workflow | None:
    """The workflow named by the filters; the active one when none is named and one is required."""
    if filters.workflow:
        workflow = Workflow.objects.filter(slug=filters.workflow).first()
        if workflow is None:
            raise ExportError(f"workflow: no workflow with slug {filters.workflow!r}")
        return workflow
    if not required:
        return None
    workflow = workflow_default()
    if workflow is None:
        raise ExportError("workflow: there is no active workflow; name one")
    return workflow


def classifications_for_export(filters: ExportFilters) -> QuerySet[Classification]:
    """Classifications matching the filters, in id order (so `since_id` resumes exactly where one ended)."""
    workflow = export_workflow(filters, required=False)
    rows = Classification.objects.all()
    if workflow is not None:
        rows = rows.filter(workflow=workflow)
    if filters.volunteer_id is not None:
        rows = rows.filter(volunteer_id=filters.volunteer_id)
    if filters.subject_set:
        rows = rows.filter(subject__subject_set__slug=filters.subject_set)
    if filters.created_after:
        rows = rows.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        rows = rows.filter(created_at__lt=filters.created_before)
    if filters.since:
        rows = rows.filter(created_at__gt=filters.since)
    if filters.since_id is not None:
        rows = rows.filter(pk__gt=filters.since_id)
    if filters.gold_only:
        rows = rows.filter(was_gold=True)
    if filters.expert_only:
        rows = rows.filter(Exists(ExpertLabel.objects.filter(subject=OuterRef("subject"))))
    if filters.retired_only:
        retired = SubjectStatus.objects.filter(
            workflow=OuterRef("workflow"), subject=OuterRef("subject"), retired_at__isnull=False
        )
        rows = rows.filter(Exists(retired))
    return rows.order_by("pk")


def statuses_for_export(filters: ExportFilters) -> QuerySet[SubjectStatus]:
    """A workflow's subjects (their vote counts and retirement) matching the filters, in subject id order."""
    workflow = export_workflow(filters, required=True)
    rows = SubjectStatus.objects.filter(workflow=workflow)
    if filters.subject_set:
        rows = rows.filter(subject__subject_set__slug=filters.subject_set)
    if filters.since_id is not None:
        rows = rows.filter(subject_id__gt=filters.since_id)
    if filters.since:
        rows = rows.filter(retired_at__gt=filters.since)
    if filters.created_after:
        rows = rows.filter(retired_at__gte=filters.created_after)
    if filters.created_before:
        rows = rows.filter(retired_at__lt=filters.created_before)
    if filters.gold_only:
        rows = rows.filter(is_gold=True)
    if filters.expert_only:
        rows = rows.filter(Exists(ExpertLabel.objects.filter(subject=OuterRef("subject"))))
    if filters.retired_only:
        rows = rows.filter(retired_at__isnull=False)
    if filters.volunteer_id is not None:
        raise ExportError("the subject table is for scientists")
    return rows.order_by("subject_id")


def snapshot_get(snapshot_id: int) -> LabelSnapshot:
    snapshot = LabelSnapshot.objects.select_related("workflow").filter(pk=snapshot_id).first()
    if snapshot is None:
        raise ExportError(f"snapshot: no label snapshot with id {snapshot_id}")
    return snapshot


def snapshots_recent(*, limit: int = 20) -> QuerySet[LabelSnapshot]:
    return LabelSnapshot.objects.select_related("workflow")[:limit]


def models_trained_on(snapshot: LabelSnapshot) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(run__snapshot=snapshot).select_related("run").order_by("pk")


def export_jobs_visible(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ExportJob]:
    """Admins see every job; a scientist sees their own."""
    jobs = ExportJob.objects.select_related("requested_by", "snapshot")
    if is_admin(user):
        return jobs
    return jobs.filter(Q(requested_by_id=user.pk))
