"""The training task: thin, on its own queue, safe to redeliver (hunt.core.jobs)."""

from celery import shared_task
from django.conf import settings

from hunt.classify.selectors import workflow_default
from hunt.core.jobs import job_task
from hunt.learning.services import training_run_start_if_due


# acks_late + reject_on_worker_lost (job_task): a job whose worker (or pool child) is killed goes back to the
# queue; the claim counts attempts on the run row, so redelivery cannot loop forever. The soft time limit
# stays below the hard one and below RabbitMQ's 30-minute consumer_timeout.
@job_task(queue="training", soft_time_limit=25 * 60, time_limit=28 * 60)
def training_run_task(run_id: int) -> None:
    # Imported here: torch loads only in the training worker, never in web processes that queue jobs.
    from hunt.learning.pipeline import training_run_execute

    training_run_execute(run_id)


@shared_task(ignore_result=True, queue="default")
def training_schedule_check_task() -> None:
    """Run by celery beat: retrain when enough new labels arrived (RETRAIN_MIN_NEW_LABELS)."""
    workflow = workflow_default()
    if workflow is not None:
        training_run_start_if_due(
            workflow=workflow,
            min_new_labels=settings.RETRAIN_MIN_NEW_LABELS,
            params=settings.RETRAIN_SCHEDULE_PARAMS,
        )
