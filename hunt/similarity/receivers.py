"""A latent-space row takes its file with it (the row goes with its model version, by CASCADE)."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from hunt.similarity.models import LatentSpaceFile


@receiver(post_delete, sender=LatentSpaceFile)
def _latent_file_delete(sender: type, instance: LatentSpaceFile, **kwargs: Any) -> None:
    name, storage = instance.file.name, instance.file.storage
    if name:
        # After the commit: a rolled-back delete must still find its file.
        transaction.on_commit(lambda: storage.delete(name), robust=True)
