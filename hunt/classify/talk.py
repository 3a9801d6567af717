"""Where a subject's discussion page lives (the Talk app builds on this page)."""

from django.urls import reverse


def talk_url(subject_id: int) -> str:
    return reverse("classify:subject", args=[subject_id])
