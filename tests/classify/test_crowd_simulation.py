"""Simulated volunteers vote through the normal write path, as often as asked, and only once per seed."""

import pytest

from hunt.classify.crowd_simulation import crowd_simulate
from hunt.classify.models import Classification, SubjectStatus
from hunt.subjects.models import ExpertLabel, Subject, SubjectSet
from tests.evaluation.conftest import hunt_workflow


@pytest.mark.django_db
def test_every_labelled_subject_gets_its_votes_once() -> None:
    workflow = hunt_workflow()
    subject_set = SubjectSet.objects.create(name="Sim", slug="sim", kind=SubjectSet.Kind.SIMULATED)
    workflow.subject_sets.add(subject_set)
    labels = ["cluster_low_z", "cluster_high_z", "galaxy", "point", "other"] * 8
    for i, label in enumerate(labels):
        subject = Subject.objects.create(
            subject_set=subject_set, external_id=f"s{i}", ra=10 + i, dec=0
        )
        ExpertLabel.objects.create(subject=subject, source="simulation", label=label)
    Subject.objects.create(subject_set=subject_set, external_id="no-truth", ra=1, dec=1)
    from hunt.classify.services import workflow_subjects_sync

    workflow_subjects_sync(workflow=workflow)

    result = crowd_simulate(workflow=workflow, votes_per_subject=5, accuracy=1.0, volunteers=10)

    assert result.subjects == 40
    assert result.votes_created == 200
    statuses = SubjectStatus.objects.filter(workflow=workflow).select_related("subject")
    for status in statuses:
        if status.subject.external_id == "no-truth":
            assert status.classification_count == 0
            continue
        assert status.classification_count == 5
    # Perfect volunteers: every vote on a cluster says cluster, with its redshift class.
    high = Classification.objects.filter(subject__expert_labels__label="cluster_high_z")
    assert set(high.values_list("answer", "redshift")) == {("cluster", "high")}
    again = crowd_simulate(workflow=workflow, votes_per_subject=5, accuracy=1.0, volunteers=10)
    assert again.votes_created == 0
    assert Classification.objects.count() == 200


@pytest.mark.django_db
def test_noisy_volunteers_disagree_sometimes() -> None:
    workflow = hunt_workflow()
    subject_set = SubjectSet.objects.create(name="Sim", slug="sim", kind=SubjectSet.Kind.SIMULATED)
    workflow.subject_sets.add(subject_set)
    for i in range(60):
        subject = Subject.objects.create(
            subject_set=subject_set, external_id=f"s{i}", ra=10 + i, dec=0
        )
        ExpertLabel.objects.create(subject=subject, source="simulation", label="point")
    from hunt.classify.services import workflow_subjects_sync

    workflow_subjects_sync(workflow=workflow)
    crowd_simulate(workflow=workflow, votes_per_subject=3, accuracy=0.6, volunteers=5)
    answers = list(Classification.objects.values_list("answer", flat=True))
    share = answers.count("point") / len(answers)
    assert len(answers) == 180
    assert 0.45 < share < 0.75
