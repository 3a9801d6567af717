"""Cluster Hunt: the Django project.

Importing the Celery app here makes `@shared_task` bind to it in every process (web, worker, shell).
"""

from hunt.celery import app as celery_app

__all__ = ("celery_app",)
