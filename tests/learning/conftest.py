"""A workflow of real ingested candidates (cutout files included) with crowd votes, ready to train on."""

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from hunt.accounts.models import Volunteer
from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.services import classification_create
from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import SubjectSet
from tests.builders import build_candidate_folder

# Tiny, fast runs: the real recipe is measured in bench/train.py.
TINY = {"epochs": 2, "batch_size": 16, "min_votes": 1, "mc_samples": 2, "patience": 2}


@pytest.fixture
def labelled_workflow(tmp_path: Path) -> Callable[..., Workflow]:
    def make(count: int = 40) -> Workflow:
        workflow, _ = Workflow.objects.update_or_create(
            slug="hunt",
            defaults={
                "name": "The Hunt",
                "retirement_rules": [],
                "active": True,
            },
        )
        Workflow.objects.exclude(pk=workflow.pk).update(active=False)
        labels = ["cluster_low_z", "point", "galaxy", "other"] * count
        ingest_run(
            kind=SubjectSet.Kind.CANDIDATE_FITS,
            source=build_candidate_folder(tmp_path, count, labels=labels),
            # The crowd's votes are the training labels here; the folder's truth only evaluates.
            options={"set_name": "Training set", "evaluation_only": True},
            workers=1,
        )
        volunteer = Volunteer.objects.create()
        answers = ["cluster", "point", "galaxy", "other"]
        for index, status in enumerate(
            SubjectStatus.objects.filter(workflow=workflow).order_by("subject_id")
        ):
            classification_create(
                workflow=workflow, volunteer=volunteer, subject_id=status.subject_id,
                answer=answers[index % 4], redshift="low" if index % 4 == 0 else "",
                idempotency_key=uuid.uuid4(),
            )  # fmt: skip
        return workflow

    return make
