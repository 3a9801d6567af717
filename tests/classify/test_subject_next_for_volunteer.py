"""Selection: never twice, never retired, in priority order, gold on the Panoptes schedule."""

import uuid
from collections.abc import Callable
from typing import Any

from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.selectors import subject_next_for_volunteer
from hunt.classify.services import classification_create


def _classify_next(workflow: Workflow, volunteer: Any) -> Any:
    status = subject_next_for_volunteer(workflow=workflow, volunteer=volunteer)
    if status is None:
        return None
    classification_create(
        workflow=workflow, volunteer=volunteer, subject_id=status.subject_id, answer="galaxy",
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    return status


def test_a_volunteer_sees_every_subject_once_in_priority_order_then_nothing(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(12)
    volunteer = anonymous()
    seen = []
    while (status := _classify_next(workflow, volunteer)) is not None:
        seen.append(status)
    assert len(seen) == 12
    assert len({s.subject_id for s in seen}) == 12
    priorities = [s.priority for s in seen]
    assert priorities == sorted(priorities)


def test_retired_subjects_are_never_offered(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(6, retirement_limit=1)
    first = _classify_next(workflow, anonymous())
    second_volunteer = anonymous()
    offered = []
    while (status := _classify_next(workflow, second_volunteer)) is not None:
        offered.append(status.subject_id)
    assert first.subject_id not in offered
    assert len(offered) == 5


def test_a_skipped_subject_is_offered_again_and_a_reset_walk_still_skips_classified_ones(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(5)
    volunteer = anonymous()
    shown = subject_next_for_volunteer(workflow=workflow, volunteer=volunteer)
    assert (
        subject_next_for_volunteer(workflow=workflow, volunteer=volunteer) == shown
    )  # not classified yet
    done = {_classify_next(workflow, volunteer).subject_id for _ in range(3)}

    workflow.priority_epoch += 1  # the learning loop rewrote priorities
    workflow.save()
    SubjectStatus.objects.filter(workflow=workflow).update(priority=0.5)
    remaining = []
    while (status := _classify_next(workflow, volunteer)) is not None:
        remaining.append(status.subject_id)
    assert len(remaining) == 2
    assert not done & set(remaining)


def test_gold_follows_the_configured_schedule(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    # 40 % gold while fewer than 20 seen, then 10 %; enough of both pools that neither runs dry.
    workflow = make_workflow(200, gold=200, gold_schedule=[[20, 0.4], [None, 0.1]], seed=7)
    shares: dict[str, list[bool]] = {"early": [], "late": []}
    for _ in range(10):
        volunteer = anonymous()
        for seen in range(60):
            status = _classify_next(workflow, volunteer)
            shares["early" if seen < 20 else "late"].append(status.is_gold)
        # a fresh volunteer restarts the schedule
    early = sum(shares["early"]) / len(shares["early"])
    late = sum(shares["late"]) / len(shares["late"])
    # 200 and 400 draws: three binomial standard deviations are about 0.10 and 0.045.
    assert abs(early - 0.4) < 0.11
    assert abs(late - 0.1) < 0.05


def test_when_one_pool_runs_dry_the_other_serves(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(2, gold=2)
    volunteer = anonymous()
    served = [_classify_next(workflow, volunteer) for _ in range(4)]
    assert all(status is not None for status in served)
    assert sum(status.is_gold for status in served) == 2


def test_the_subject_on_screen_can_be_skipped_to_preload_the_next(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    workflow = make_workflow(3)
    volunteer = anonymous()
    current = subject_next_for_volunteer(workflow=workflow, volunteer=volunteer)
    assert current is not None
    preload = subject_next_for_volunteer(
        workflow=workflow, volunteer=volunteer, exclude=current.subject_id
    )
    assert preload is not None
    assert preload.subject_id != current.subject_id
    # Reading changes nothing: without the exclusion the same subject comes back.
    assert subject_next_for_volunteer(workflow=workflow, volunteer=volunteer) == current


def test_a_repeat_observation_of_a_classified_source_is_never_offered(
    make_workflow: Callable[..., Workflow], anonymous: Callable[[], Any]
) -> None:
    # Issue 18: 51 of 69 Abell 907 subjects lie within 10" of a subject from another observation; volunteers saw
    # them as repeats. Ingestion groups them (Subject.repeat_group); the walk skips a classified source's group.
    from hunt.subjects.models import Subject
    from hunt.subjects.services import subject_repeat_groups_update

    workflow = make_workflow(8)
    subjects = list(Subject.objects.order_by("pk"))
    # Subjects 1 and 5 observe the first one's source again (within 10"); the rest are alone.
    for repeat in (subjects[1], subjects[5]):
        assert subjects[0].ra is not None
        repeat.ra, repeat.dec = subjects[0].ra + 4 / 3600, subjects[0].dec
        repeat.save(update_fields=["ra", "dec"])
    subject_repeat_groups_update()
    group = {subjects[0].pk, subjects[1].pk, subjects[5].pk}
    volunteer = anonymous()
    seen = []
    while (status := _classify_next(workflow, volunteer)) is not None:
        seen.append(status.subject_id)
    assert len(seen) == 6  # one of the group's three, and the five others
    assert len(group & set(seen)) == 1
    # Another volunteer starts afresh: the group is skipped per volunteer, not removed.
    assert subject_next_for_volunteer(workflow=workflow, volunteer=anonymous()) is not None
