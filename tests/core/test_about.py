"""The About page: the science case, FAQ, credits, and live statistics equal to the database's counts."""

import re
import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from hunt.accounts.models import Volunteer
from hunt.classify.models import Classification, SubjectStatus, Workflow
from hunt.classify.services import classification_create, workflow_subjects_sync
from hunt.core.selectors import STATISTICS_CACHE_KEY, site_statistics
from hunt.learning.models import LabelSnapshot, ModelVersion, TrainingRun
from hunt.subjects.models import Subject
from tests.factories import SubjectFactory, SubjectSetFactory

pytestmark = pytest.mark.django_db


def _stats(client: Client) -> dict[str, str]:
    html = client.get(reverse("core:about")).content.decode()
    return dict(re.findall(r'<dd data-stat="([\w-]+)">([^<]*)</dd>', html))


def _classify(workflow: Workflow, volunteer: Volunteer, subject: Subject, answer: str) -> None:
    classification_create(
        workflow=workflow,
        volunteer=volunteer,
        subject_id=subject.pk,
        answer=answer,
        redshift="low" if answer == "cluster" else "",
        idempotency_key=uuid.uuid4(),
    )


@pytest.fixture
def classified() -> Workflow:
    """Four subjects; two volunteers agree on one (retiring it), one classifies another; a third never does."""
    subject_set = SubjectSetFactory.create()
    subjects = SubjectFactory.create_batch(4, subject_set=subject_set)
    workflow = Workflow.objects.create(
        name="About test",
        slug="about-test",
        retirement_rules=[
            {
                "if": {"classifications_at_least": 2, "agreement_at_least": 0.8},
                "reason": "consensus",
            }
        ],
    )
    workflow.subject_sets.add(subject_set)
    workflow_subjects_sync(workflow=workflow)
    first, second = Volunteer.objects.create(), Volunteer.objects.create()
    Volunteer.objects.create()  # visited, never classified: not counted as a volunteer
    _classify(workflow, first, subjects[0], "cluster")
    _classify(workflow, second, subjects[0], "cluster")
    _classify(workflow, first, subjects[1], "point")
    return workflow


def test_the_about_page_renders_with_an_empty_database(client: Client) -> None:
    Workflow.objects.all().delete()  # the data migration's workflow: truly nothing left
    response = client.get(reverse("core:about"))
    assert response.status_code == 200
    assert _stats(client) == {
        "subjects": "0",
        "retired": "0",
        "classifications": "0",
        "volunteers": "0",
    }
    html = response.content.decode()
    assert "Model scores appear here once a trained network is serving" in html
    for question in (
        "What is X-ray emission?",
        "What is XMM-Newton?",
        "How do I know I&#x27;m good?",
        "What if I&#x27;m unsure?",
        "Can I change a classification?",
        "What happens to my classifications?",
    ):
        assert question in html or question.replace("&#x27;", "'") in html, question
    assert "Based on observations obtained with XMM-Newton" in html
    assert "Piffaretti et al. 2011" in html


def test_the_statistics_equal_the_database_counts(client: Client, classified: Workflow) -> None:
    expected = {
        "subjects": Subject.objects.count(),
        "retired": SubjectStatus.objects.filter(retired_at__isnull=False).count(),
        "classifications": Classification.objects.count(),
        "volunteers": Classification.objects.values("volunteer").distinct().count(),
    }
    assert expected == {"subjects": 4, "retired": 1, "classifications": 3, "volunteers": 2}
    assert _stats(client) == {key: str(value) for key, value in expected.items()}


def _champion(heldout_metrics: dict[str, Any], workflow: Workflow) -> ModelVersion:
    snapshot = LabelSnapshot.objects.create(
        workflow=workflow, sha256="0" * 64, min_votes=1, row_count=0
    )
    run = TrainingRun.objects.create(snapshot=snapshot, status="succeeded")
    return ModelVersion.objects.create(
        run=run,
        file="models/test.pt",
        snapshot_sha256=snapshot.sha256,
        code_version="test",
        seed=1,
        heldout_metrics=heldout_metrics,
        is_champion=True,
    )


def test_the_serving_models_held_out_scores_are_shown(client: Client, classified: Workflow) -> None:
    _champion({"n": 40, "positives": 12, "auc": 0.9134, "tpr_at_fpr_005": 0.75}, classified)
    stats = _stats(client)
    assert stats["model-auc"] == "0.913"
    assert stats["model-tpr"] == "75 %"
    assert stats["model-fpr"] == "≤ 5 %"


def test_a_model_without_a_held_out_auc_shows_no_scores(
    client: Client, classified: Workflow
) -> None:
    _champion({"n": 3, "auc": None, "note": "one class only"}, classified)
    assert "model-auc" not in _stats(client)


def test_statistics_are_cached_for_a_short_while(classified: Workflow) -> None:
    before = site_statistics()
    SubjectFactory.create()
    get_user_model().objects.create(username="newcomer")
    assert site_statistics() == before  # served from the cache
    cache.delete(STATISTICS_CACHE_KEY)
    after = site_statistics()
    assert after["subjects"] == before["subjects"] + 1
    assert after["accounts"] == before["accounts"] + 1
