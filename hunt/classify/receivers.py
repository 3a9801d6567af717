from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hunt.classify.models import Workflow
from hunt.classify.services import subject_gold_label_refresh, workflow_subjects_sync
from hunt.classify.workflow_cache import workflow_cache_clear
from hunt.subjects.models import ExpertLabel, SubjectSet
from hunt.subjects.signals import subjects_ingested


@receiver(subjects_ingested, dispatch_uid="hunt.classify.new_subjects_join_workflows")
def new_subjects_join_workflows(sender: SubjectSet, created: int, **kwargs: Any) -> None:
    for workflow in Workflow.objects.filter(active=True):
        if workflow.include_new_sets:
            workflow.subject_sets.add(sender)
        if workflow.subject_sets.filter(pk=sender.pk).exists():
            workflow_subjects_sync(workflow=workflow)


post_save.connect(
    workflow_cache_clear, sender=Workflow, dispatch_uid="hunt.classify.workflow_saved"
)
post_delete.connect(
    workflow_cache_clear, sender=Workflow, dispatch_uid="hunt.classify.workflow_deleted"
)


@receiver(post_save, sender=ExpertLabel, dispatch_uid="hunt.classify.gold_label_saved")
@receiver(post_delete, sender=ExpertLabel, dispatch_uid="hunt.classify.gold_label_deleted")
def gold_label_follows_expert_labels(
    sender: type[ExpertLabel], instance: ExpertLabel, **kwargs: Any
) -> None:
    # The write path reads a subject's gold answer from its status row; an edited label must reach it.
    subject_gold_label_refresh(subject_id=instance.subject_id)
