"""Where a subject's discussion page lives: the Talk app's subject page."""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

_MARK = 987_654_321  # a subject id that stands for any other in the reversed URL


@lru_cache(maxsize=16)
def _around(urlconf: str, prefix: str) -> tuple[str, str]:
    """The subject page's URL before and after the id (reversed once: every classification answer has one)."""
    head, mark, tail = reverse("talk:subject", args=[_MARK], urlconf=urlconf).rpartition(str(_MARK))
    assert mark, "the talk subject URL does not contain its id"
    return head, tail


def talk_url(subject_id: int) -> str:
    head, tail = _around(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{head}{int(subject_id)}{tail}"
