"""The per-process workflow cache: no query while fresh, dropped by a save, reread after its TTL."""

from collections.abc import Callable
from typing import Any

from hunt.classify.models import Workflow
from hunt.classify.workflow_cache import workflow_active


def test_a_fresh_entry_costs_no_query_and_a_save_drops_it(
    make_workflow: Callable[..., Workflow], django_assert_num_queries: Any
) -> None:
    workflow = make_workflow(1)
    assert workflow_active() == workflow_active(workflow.slug) == workflow
    with django_assert_num_queries(0):
        assert workflow_active().retirement_limit == workflow.retirement_limit  # type: ignore[union-attr]
        assert workflow_active(workflow.slug) == workflow

    workflow.retirement_limit = 3
    workflow.save()  # the admin's edit
    with django_assert_num_queries(1):
        assert workflow_active().retirement_limit == 3  # type: ignore[union-attr]
    workflow.active = False
    workflow.save()
    assert workflow_active() is None
    assert workflow_active(workflow.slug) is None


def test_changes_without_a_signal_are_seen_once_the_entry_expires(
    make_workflow: Callable[..., Workflow], settings: Any
) -> None:
    settings.WORKFLOW_CACHE_SECONDS = 0.0
    workflow = make_workflow(1)
    assert workflow_active() == workflow
    Workflow.objects.filter(pk=workflow.pk).update(version=9)  # a queryset update fires no signal
    assert workflow_active().version == 9  # type: ignore[union-attr]


def test_unknown_slugs_are_not_cached(
    make_workflow: Callable[..., Workflow], django_assert_num_queries: Any
) -> None:
    make_workflow(1)
    for _ in range(2):
        with django_assert_num_queries(1):
            assert workflow_active("no-such-hunt") is None
