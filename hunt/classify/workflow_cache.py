"""The active workflows, cached per process for the API's hot paths (classify, next subject).

Every classification needs its workflow (version, rules, gold settings); reading it from the database each
time was a statement of its own on the write path. An entry lives WORKFLOW_CACHE_SECONDS (5 by default);
saving or deleting a workflow drops this process's entries at once (`receivers`), and other processes see an
admin's edit within the TTL. Queryset `.update()`s fire no signal and are seen within the TTL too: the only
one on a workflow bumps `priority_epoch`, which a stale copy merely writes into a volunteer's new progress
row, where the selection walk notices the old epoch and restarts the walk (what the bump asks for anyway).

Only found workflows are cached (an unknown slug costs a query each time), so the cache cannot be grown
by requests naming arbitrary slugs. Callers must treat the returned instance as read-only.
"""

import time

from django.conf import settings

from hunt.classify.models import Workflow
from hunt.classify.selectors import workflow_default

_entries: dict[str, tuple[float, Workflow]] = {}
_DEFAULT = ""  # the key of "the first active workflow" (a slug is never empty)


def workflow_active(slug: str | None = None) -> Workflow | None:
    """The active workflow named `slug`, else the default one; None when there is none."""
    key = slug or _DEFAULT
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    workflow = (
        Workflow.objects.filter(slug=slug, active=True).first() if slug else workflow_default()
    )
    if workflow is not None:
        _entries[key] = (now + float(getattr(settings, "WORKFLOW_CACHE_SECONDS", 5.0)), workflow)
    else:
        _entries.pop(key, None)
    return workflow


def workflow_cache_clear(**_signal_kwargs: object) -> None:
    """Forget every cached workflow (connected to Workflow's post_save and post_delete)."""
    _entries.clear()
