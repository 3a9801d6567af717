"""A workflow with subjects ready to classify (no image files needed for the write path)."""

from collections.abc import Callable
from typing import Any

import pytest

from hunt.accounts.models import Volunteer
from hunt.classify.models import Workflow
from hunt.classify.services import workflow_subjects_sync
from hunt.subjects.models import ExpertLabel
from tests.factories import SubjectFactory, SubjectSetFactory


@pytest.fixture
def make_workflow(db: None) -> Callable[..., Workflow]:
    def make(
        subjects: int = 10, *, gold: int = 0, gold_label: str = "point", **fields: Any
    ) -> Workflow:
        subject_set = SubjectSetFactory.create()
        created = SubjectFactory.create_batch(subjects + gold, subject_set=subject_set)
        for subject in created[subjects:]:
            ExpertLabel.objects.create(
                subject=subject, source="experts", label=gold_label, role="gold"
            )
        defaults: dict[str, Any] = {
            "name": "Test hunt", "slug": "test-hunt", "retirement_rules": [],
            "hidden_gold_share": 0.0,
        }  # fmt: skip
        # The test workflow is the one the classify page and the API serve by default.
        Workflow.objects.update(active=False)
        workflow = Workflow.objects.create(**{**defaults, **fields})
        workflow.subject_sets.add(subject_set)
        workflow_subjects_sync(workflow=workflow)
        return workflow

    return make


@pytest.fixture
def anonymous() -> Callable[[], Volunteer]:
    def make() -> Volunteer:
        return Volunteer.objects.create()

    return make
