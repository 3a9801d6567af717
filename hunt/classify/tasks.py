"""The crowd aggregation job: thin, on the default queue, run by celery beat (docs/crowd.md)."""

from celery import shared_task


# Idempotent (a rerun with no new vote does nothing), so a redelivery is harmless.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, queue="default")
def crowd_aggregate_task() -> None:
    from hunt.classify.aggregation import crowd_aggregate_all

    crowd_aggregate_all()
