"""The crowd model job: skills, posteriors with history, retirement by posterior, the spam rule, snapshots."""

import uuid

import pytest

from hunt.accounts.models import Volunteer
from hunt.classify.aggregation import crowd_aggregate
from hunt.classify.crowd_simulation import crowd_simulate
from hunt.classify.models import (
    Classification,
    CrowdAggregation,
    SubjectPosteriorHistory,
    SubjectStatus,
    VolunteerSkill,
    Workflow,
)
from hunt.classify.services import classification_create, workflow_subjects_sync
from hunt.learning.snapshots import label_snapshot_create
from hunt.subjects.labels import TruthRole
from hunt.subjects.models import ExpertLabel, Subject, SubjectSet
from tests.evaluation.conftest import hunt_workflow

LABELS = ["cluster_low_z", "cluster_high_z", "galaxy", "point", "other"]


def survey(n: int = 60, gold_every: int = 6) -> Workflow:
    workflow = hunt_workflow()
    Workflow.objects.filter(pk=workflow.pk).update(retirement_limit=0, posterior_retire_at=None)
    workflow.refresh_from_db()
    subject_set = SubjectSet.objects.create(name="Sim", slug="sim", kind=SubjectSet.Kind.SIMULATED)
    workflow.subject_sets.add(subject_set)
    for i in range(n):
        subject = Subject.objects.create(
            subject_set=subject_set, external_id=f"s{i}", ra=10 + i, dec=0, split="train"
        )
        role = TruthRole.GOLD if i % gold_every == 0 else TruthRole.EVALUATION
        ExpertLabel.objects.create(
            subject=subject, source="simulation", label=LABELS[i % 5], role=role
        )
    workflow_subjects_sync(workflow=workflow)
    return workflow


def posterior_survey(
    n: int, *, gold_every: int, volunteers: int
) -> tuple[Workflow, list[Volunteer], list[SubjectStatus]]:
    """`survey` retiring by posterior (at 0.9, three votes at least), with a crowd and the subjects' rows."""
    workflow = survey(n, gold_every=gold_every)
    Workflow.objects.filter(pk=workflow.pk).update(posterior_retire_at=0.9, posterior_min_votes=3)
    workflow.refresh_from_db()
    crowd = [Volunteer.objects.create() for _ in range(volunteers)]
    statuses = list(SubjectStatus.objects.filter(workflow=workflow).select_related("subject"))
    return workflow, crowd, statuses


def vote(workflow: Workflow, volunteer: Volunteer, subject_id: int, label: str) -> None:
    """A vote for a Hunt class (a cluster with its redshift class)."""
    answer, redshift = (
        ("cluster", label.split("_")[1]) if label.startswith("cluster") else (label, "")
    )
    classification_create(
        workflow=workflow, volunteer=volunteer, subject_id=subject_id, answer=answer,
        redshift=redshift, idempotency_key=uuid.uuid4(),
    )  # fmt: skip


@pytest.mark.django_db
def test_the_job_stores_skills_and_posteriors_and_does_nothing_without_new_votes() -> None:
    workflow = survey()
    crowd_simulate(workflow=workflow, votes_per_subject=5, volunteers=30, realistic=True)
    run = crowd_aggregate(workflow=workflow)
    assert run is not None
    assert run.classifications == Classification.objects.count() == 300
    assert run.gold == 10
    assert VolunteerSkill.objects.filter(workflow=workflow).count() == run.volunteers
    skill = VolunteerSkill.objects.filter(workflow=workflow).order_by("-classifications").first()
    assert skill is not None
    assert len(skill.confusion) == 5
    assert all(abs(sum(row) - 1) < 1e-3 for row in skill.confusion)
    for status in SubjectStatus.objects.filter(workflow=workflow):
        assert status.posterior_votes == status.classification_count == 5
        assert abs(sum(status.posterior.values()) - 1) < 1e-4
        assert status.posterior_cluster == pytest.approx(
            status.posterior["cluster_low_z"] + status.posterior["cluster_high_z"], abs=1e-5
        )
        assert status.posterior_at is not None
    assert SubjectPosteriorHistory.objects.count() == 60
    assert crowd_aggregate(workflow=workflow) is None  # nothing new: nothing done
    assert CrowdAggregation.objects.count() == 1


@pytest.mark.django_db
def test_a_new_vote_adds_a_history_row_for_that_subject_only() -> None:
    workflow = survey(10, gold_every=100)
    alice, bob = (Volunteer.objects.create() for _ in range(2))
    first = SubjectStatus.objects.filter(workflow=workflow).order_by("subject_id")[0]
    vote(workflow, alice, first.subject_id, "point")
    crowd_aggregate(workflow=workflow)
    vote(workflow, bob, first.subject_id, "point")
    assert crowd_aggregate(workflow=workflow) is not None
    history = SubjectPosteriorHistory.objects.filter(status=first).order_by("id")
    assert [row.votes for row in history] == [1, 2]
    assert SubjectPosteriorHistory.objects.count() == 2


@pytest.mark.django_db
def test_a_sure_posterior_retires_beside_the_count_and_gold_is_clamped() -> None:
    workflow, crowd, statuses = posterior_survey(30, gold_every=3, volunteers=6)
    for status in statuses:
        truth = status.subject.expert_labels.get().label
        for volunteer in crowd[:4]:
            vote(workflow, volunteer, status.subject_id, truth)
    run = crowd_aggregate(workflow=workflow)
    assert run is not None
    assert run.retired == 30
    # Nothing is left active, so the audit re-opened the least certain non-gold subject (one in twenty).
    reasons = list(SubjectStatus.objects.values_list("retirement_reason", flat=True))
    assert sorted(set(reasons)) == ["audit", "posterior"]
    assert reasons.count("audit") == run.stats["audit_reopened"] == 1
    gold = SubjectStatus.objects.filter(is_gold=True).select_related("subject").first()
    assert gold is not None
    truth = gold.subject.expert_labels.get().label
    assert gold.posterior[truth] == pytest.approx(1.0)
    assert run.stats["gold_judged"] == 10


@pytest.mark.django_db
def test_a_constant_volunteer_is_down_weighted_never_deleted() -> None:
    workflow = survey(40, gold_every=100)
    crowd = [Volunteer.objects.create() for _ in range(3)]
    lazy = Volunteer.objects.create()
    statuses = list(SubjectStatus.objects.filter(workflow=workflow).select_related("subject"))
    for status in statuses:
        truth = status.subject.expert_labels.get().label
        for volunteer in crowd:
            vote(workflow, volunteer, status.subject_id, truth)
        vote(workflow, lazy, status.subject_id, "other")
    crowd_aggregate(workflow=workflow)
    skill = VolunteerSkill.objects.get(volunteer=lazy)
    assert skill.flag == VolunteerSkill.Flag.CONSTANT
    assert skill.weight == pytest.approx(0.1)
    assert Classification.objects.filter(volunteer=lazy).count() == 40  # kept
    assert VolunteerSkill.objects.get(volunteer=crowd[0]).weight == 1.0


@pytest.mark.django_db
def test_the_snapshot_takes_the_posterior_and_records_the_aggregation() -> None:
    workflow = survey()
    crowd_simulate(workflow=workflow, votes_per_subject=5, volunteers=30, realistic=True)
    plurality = label_snapshot_create(workflow=workflow, min_votes=3)
    assert plurality.aggregation == "plurality"
    run = crowd_aggregate(workflow=workflow)
    assert run is not None
    snapshot = label_snapshot_create(workflow=workflow, min_votes=3)
    assert snapshot.crowd_aggregation == run
    assert snapshot.aggregation == f"dawid-skene-v1 #{run.pk}"
    crowd_rows = snapshot.rows.filter(source="crowd")
    assert crowd_rows.count() == 50  # 60 subjects, 10 of them gold (expert labels that train)
    for row in crowd_rows:
        assert row.probabilities is not None
        assert row.agreement == pytest.approx(max(row.probabilities))
    assert snapshot.counts["crowd_labels"]["posterior"] == 50
    assert snapshot.sha256 != plurality.sha256
    again = label_snapshot_create(workflow=workflow, min_votes=3, aggregation="plurality")
    assert again.aggregation == "plurality"
    assert again.sha256 == plurality.sha256


@pytest.mark.django_db
def test_the_beat_task_and_the_command_run_the_same_job() -> None:
    from io import StringIO

    from django.core.management import call_command

    from hunt.classify.tasks import crowd_aggregate_task

    workflow = survey(20)
    crowd_simulate(workflow=workflow, votes_per_subject=3, volunteers=10, realistic=True)
    crowd_aggregate_task()
    assert CrowdAggregation.objects.filter(workflow=workflow).count() == 1
    out = StringIO()
    call_command("aggregate_crowd", stdout=out)
    assert "nothing to do" in out.getvalue()
    call_command("aggregate_crowd", "--force", stdout=out)
    assert "60 votes" in out.getvalue()
    assert CrowdAggregation.objects.filter(workflow=workflow).count() == 2


@pytest.mark.django_db
def test_once_none_is_active_the_audit_reopens_the_least_certain_until_a_new_vote() -> None:
    workflow, crowd, statuses = posterior_survey(20, gold_every=4, volunteers=6)
    # One non-gold subject gets three votes for the truth and one against: sure enough to retire, less sure
    # than the unanimous rest.
    doubtful = next(status.pk for status in statuses if not status.is_gold)
    for status in statuses:
        truth = status.subject.expert_labels.get().label
        if status.pk == doubtful:
            answers = [truth] * 3 + ["other" if truth != "other" else "galaxy"]
        else:
            answers = [truth] * 4
        for volunteer, answer in zip(crowd, answers, strict=False):
            vote(workflow, volunteer, status.subject_id, answer)
    run = crowd_aggregate(workflow=workflow)
    assert run is not None
    assert run.retired == 20
    reopened = SubjectStatus.objects.filter(workflow=workflow, retired_at__isnull=True)
    assert [s.pk for s in reopened] == [doubtful]
    assert reopened.get().retirement_reason == "audit"
    # Without a new vote the next run does not retire it again, whatever its posterior says.
    again = crowd_aggregate(workflow=workflow, force=True)
    assert again is not None
    assert again.retired == 0
    assert SubjectStatus.objects.get(pk=doubtful).retired_at is None
    # With one it is judged again like any subject: still sure, so it retires.
    status = SubjectStatus.objects.select_related("subject").get(pk=doubtful)
    vote(workflow, crowd[5], status.subject_id, status.subject.expert_labels.get().label)
    third = crowd_aggregate(workflow=workflow)
    assert third is not None
    assert third.retired >= 1
    assert SubjectStatus.objects.get(pk=doubtful).retirement_reason == "posterior"


@pytest.mark.django_db
def test_no_audit_while_a_subject_is_active() -> None:
    workflow, crowd, statuses = posterior_survey(20, gold_every=100, volunteers=4)
    for status in statuses[1:]:
        truth = status.subject.expert_labels.get().label
        for volunteer in crowd:
            vote(workflow, volunteer, status.subject_id, truth)
    run = crowd_aggregate(workflow=workflow)
    assert run is not None
    assert run.retired == 19
    assert run.stats["audit_reopened"] == 0
    assert not SubjectStatus.objects.filter(retirement_reason="audit").exists()
