"""A small world to export: a workflow with gold and plain subjects, signed-in and anonymous volunteers'
classifications (some subjects retired), an expert label, a catalogue match and a serving model."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hunt.accounts.models import Volunteer
from hunt.catalogues.models import CatalogueEntry, CatalogueMatch, ReferenceCatalogue
from hunt.classify.models import Classification, Workflow
from hunt.classify.services import classification_create, workflow_subjects_sync
from hunt.learning.models import ModelVersion, Prediction, TrainingRun
from hunt.learning.snapshots import label_snapshot_create
from hunt.subjects.models import ExpertLabel, Subject
from tests.factories import SubjectFactory, SubjectSetFactory

# (subject index, volunteer index, answer, redshift): volunteers 0 and 1 have accounts, 2 is anonymous.
VOTES = [
    (0, 0, "cluster", "low"), (0, 1, "cluster", "high"), (0, 2, "cluster", "low"),
    (1, 0, "point", ""), (1, 1, "point", ""), (1, 2, "galaxy", ""),
    (2, 0, "galaxy", ""), (2, 1, "other", ""),
    (3, 0, "other", ""), (3, 2, "other", ""),
    (4, 1, "cluster", ""), (4, 2, "point", ""), (4, 0, "point", ""),
    (5, 2, "galaxy", ""),
]  # fmt: skip


@dataclass
class World:
    workflow: Workflow
    subjects: list[Subject]
    volunteers: list[Volunteer]
    champion: ModelVersion


def _champion(workflow: Workflow, subjects: list[Subject]) -> ModelVersion:
    snapshot = label_snapshot_create(workflow=workflow, min_votes=1)
    run = TrainingRun.objects.create(snapshot=snapshot, status=TrainingRun.Status.SUCCEEDED)
    version = ModelVersion.objects.create(
        run=run, file="models/test.pt", snapshot_sha256=snapshot.sha256, code_version="test",
        seed=1, is_champion=True, selection_metrics={"auc": 0.9},
    )  # fmt: skip
    for index, subject in enumerate(subjects[:4]):
        Prediction.objects.create(
            model_version=version, subject=subject, cluster_probability=0.9 - 0.2 * index,
            class_probabilities={}, uncertainty=0.05 * (index + 1),
        )  # fmt: skip
    return version


@pytest.fixture
def world(volunteer: Any, other_volunteer: Any) -> World:
    workflow, _ = Workflow.objects.update_or_create(
        slug="hunt",
        defaults={
            "name": "The Hunt", "retirement_rules": [],
            "retirement_limit": 3, "active": True, "hidden_gold_share": 0.0,
        },
    )  # fmt: skip
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    subject_set = SubjectSetFactory.create(name="Field Ü", slug="field-u")
    subjects = SubjectFactory.create_batch(6, subject_set=subject_set)
    subjects[2].metadata = {"field": "A", "morphology": {"concentration": 0.42, "asymmetry": 0.1}}
    subjects[2].save()
    ExpertLabel.objects.create(subject=subjects[1], source="experts", label="point", role="gold")
    ExpertLabel.objects.create(subject=subjects[1], source="simulation", label="galaxy")
    ExpertLabel.objects.create(subject=subjects[0], source="simulation", label="cluster_low_z")
    workflow.subject_sets.add(subject_set)
    workflow_subjects_sync(workflow=workflow)
    volunteers = [
        Volunteer.objects.create(user=volunteer),
        Volunteer.objects.create(user=other_volunteer),
        Volunteer.objects.create(),
    ]
    for number, (subject, who, answer, redshift) in enumerate(VOTES):
        classification_create(
            workflow=workflow, volunteer=volunteers[who], subject_id=subjects[subject].pk,
            answer=answer, redshift=redshift, idempotency_key=uuid.uuid4(),
            time_spent_ms=1000 + number if number % 3 else None, viewer_state={"stretch": "asinh"},
            user_agent="Mozilla/5.0 (test)", ip=f"10.0.0.{who}",
        )  # fmt: skip
    # Spread creation times a minute apart, in id order, so date filters have something to cut.
    start = timezone.now() - timedelta(hours=1)
    for offset, pk in enumerate(Classification.objects.order_by("pk").values_list("pk", flat=True)):
        Classification.objects.filter(pk=pk).update(created_at=start + timedelta(minutes=offset))
    catalogue = ReferenceCatalogue.objects.create(
        name="MCXC", preset="mcxc", file_name="mcxc.fits", file_sha256="0" * 64, row_count=1
    )
    entry = CatalogueEntry.objects.create(
        catalogue=catalogue, source_id="J1000+0200", ra=subjects[0].ra or 0.0, dec=2.0, row_number=1
    )
    CatalogueMatch.objects.create(
        catalogue=catalogue, subject=subjects[0], entry=entry, method="sky",
        separation_arcsec=12.5, radius_arcsec=90,
    )  # fmt: skip
    return World(
        workflow=workflow, subjects=subjects, volunteers=volunteers,
        champion=_champion(workflow, subjects),
    )  # fmt: skip
