"""The morphology task: thin, safe to redeliver (hunt.core.jobs)."""

from hunt.core.jobs import job_task


@job_task(soft_time_limit=55 * 60, time_limit=58 * 60)
def morphology_run_task(run_id: int) -> None:
    from hunt.morphology.services import morphology_run_execute

    morphology_run_execute(run_id)
