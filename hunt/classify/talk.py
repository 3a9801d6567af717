"""Where a subject's discussion page lives: the Talk app's subject page."""

from django.urls import reverse


def talk_url(subject_id: int) -> str:
    return reverse("talk:subject", args=[subject_id])
