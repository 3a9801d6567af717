from typing import Any

from django.dispatch import receiver

from hunt.classify.models import Workflow
from hunt.classify.services import workflow_subjects_sync
from hunt.subjects.models import SubjectSet
from hunt.subjects.signals import subjects_ingested


@receiver(subjects_ingested, dispatch_uid="hunt.classify.new_subjects_join_workflows")
def new_subjects_join_workflows(sender: SubjectSet, created: int, **kwargs: Any) -> None:
    for workflow in Workflow.objects.filter(active=True):
        if workflow.include_new_sets:
            workflow.subject_sets.add(sender)
        if workflow.subject_sets.filter(pk=sender.pk).exists():
            workflow_subjects_sync(workflow=workflow)
