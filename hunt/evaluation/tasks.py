"""The evaluation task: thin, on the default queue, safe to redeliver (the run is claimed once)."""

from celery import shared_task


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=10 * 60,
    time_limit=12 * 60,
)
def evaluation_run_task(run_id: int) -> None:
    from hunt.evaluation.services import evaluation_run_execute

    evaluation_run_execute(run_id)
