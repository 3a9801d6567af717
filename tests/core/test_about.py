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
from hunt.evaluation.models import EvaluationRun
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
    assert (
        "Model figures appear here once the serving network has been evaluated on the test regions"
        in html
    )
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


def _champion(workflow: Workflow, **metrics: Any) -> ModelVersion:
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
        is_champion=True,
        **metrics,
    )


def _evaluated(model: ModelVersion, workflow: Workflow, split: str, auc: float) -> EvaluationRun:
    result = {
        "n": 40, "positives": 12, "negatives": 28, "auc": auc, "auc_ci": [0.8, 0.97],
        "tpr_at_fpr": {"fpr_05": {"tpr": 0.75, "ci": [0.5, 0.9]}},
    }  # fmt: skip
    return EvaluationRun.objects.create(
        workflow=workflow, model_version=model, catalogue_name="X-CLASS", catalogue_version="1",
        match_radius_arcsec=30, class_filter=["C1", "C2"], split=split, status="succeeded",
        results={"model": result},
    )  # fmt: skip


def test_the_serving_models_test_split_figures_are_shown_with_what_they_are_against(
    client: Client, classified: Workflow
) -> None:
    model = _champion(classified)
    _evaluated(model, classified, "all", auc=0.99)  # not the test split: never reported
    run = _evaluated(model, classified, "test", auc=0.9134)
    stats = _stats(client)
    assert stats["model-auc"] == "0.913"
    assert stats["model-tpr"] == "75 %"
    assert stats["model-fpr"] == "≤ 5 %"
    html = client.get(reverse("core:about")).content.decode()
    assert "40 candidates (12 clusters, 28 non-clusters" in html
    assert "X-CLASS v1" in html
    assert f"evaluation #{run.pk}" in html


def test_validation_figures_that_chose_the_model_are_not_shown_as_results(
    client: Client, classified: Workflow
) -> None:
    _champion(classified, selection_metrics={"n": 40, "auc": 0.97, "tpr_at_fpr_005": 0.9})
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
