"""The Celery application.

Two queues: `default` for short jobs (ingestion, exports, evaluation, health pings) and `training` for CNN
retraining. Run the training queue on its own worker, one task at a time:

    celery -A hunt worker -Q training --pool=solo --concurrency=1 --prefetch-multiplier=1

Tasks use `DjangoTask`, so services can call `task.delay_on_commit(...)` and a job never starts before the row
it reads is committed.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hunt.settings")

TASK_QUEUES = (Queue("default"), Queue("training"))


def create_app(*, broker_url: str | None = None, main: str = "hunt") -> Celery:
    """Build a configured Celery app; tests build one per broker (Redis, RabbitMQ)."""
    # Celery prefers the CELERY_BROKER_URL environment variable to any configured broker_url, so an
    # explicit broker is set as the read and write URLs (which that variable does not override).
    changes = (
        {
            "broker_url": broker_url,
            "broker_read_url": broker_url,
            "broker_write_url": broker_url,
            "broker_transport_options": {},
        }
        if broker_url
        else None
    )
    celery_app = Celery(main, task_cls="celery.contrib.django.task:DjangoTask", changes=changes)
    celery_app.config_from_object("django.conf:settings", namespace="CELERY")
    celery_app.conf.task_queues = TASK_QUEUES
    celery_app.autodiscover_tasks()
    return celery_app


app = create_app()
