"""The evaluation task: thin, on the default queue, safe to redeliver (the run is claimed once)."""

from hunt.core.jobs import job_task
from hunt.evaluation.services import evaluation_run_execute


@job_task(soft_time_limit=10 * 60, time_limit=12 * 60)
def evaluation_run_task(run_id: int) -> None:
    evaluation_run_execute(run_id)
