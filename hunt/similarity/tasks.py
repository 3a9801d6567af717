"""The embedding task: thin, on the training queue (it runs the CNN), safe to redeliver (hunt.core.jobs)."""

from hunt.core.jobs import job_task


@job_task(queue="training", soft_time_limit=25 * 60, time_limit=28 * 60)
def embedding_run_task(run_id: int) -> None:
    # Imported here: the service loads torch only inside the job.
    from hunt.similarity.services import embedding_run_execute

    embedding_run_execute(run_id)
