"""Crafted evaluation data without images: subjects at chosen positions, truth, votes and a model's scores."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from astropy.table import Table

from hunt.accounts.models import Volunteer
from hunt.catalogues.models import ReferenceCatalogue
from hunt.catalogues.services import catalogue_load
from hunt.classify.models import SubjectStatus, Workflow
from hunt.classify.services import classification_create, workflow_subjects_sync
from hunt.learning.models import CLASSES, LabelSnapshot, ModelVersion, Prediction, TrainingRun
from hunt.subjects.models import ExpertLabel, Subject, SubjectSet
from tests.evaluation.conftest import hunt_workflow


@dataclass(frozen=True)
class Crafted:
    """One subject: position, optional expert label (and catalogue id), crowd answers, model score."""

    name: str
    ra: float
    dec: float
    label: str = ""
    catalogue_id: str = ""
    answers: Sequence[str] = ()
    model: float | None = None


def catalogue_file(tmp_path: Path, rows: Sequence[tuple[int, float, float, float, str]]) -> Path:
    """An X-CLASS-layout FITS table from (XClass, RAdeg, DEdeg, z, Class) rows."""
    ids, ra, dec, z, cls = zip(*rows, strict=True)
    path = tmp_path / f"xclass-{uuid.uuid4().hex[:8]}.fits"
    Table({"XClass": ids, "RAdeg": ra, "DEdeg": dec, "z": z, "Class": cls}).write(path)
    return path


def crafted_survey(
    tmp_path: Path,
    subjects: Sequence[Crafted],
    catalogue_rows: Sequence[tuple[int, float, float, float, str]],
    *,
    radius_arcsec: float = 20.0,
) -> tuple[Workflow, ReferenceCatalogue, ModelVersion | None, dict[str, Subject]]:
    workflow = hunt_workflow()
    subject_set = SubjectSet.objects.create(
        name="Crafted", slug="crafted", kind=SubjectSet.Kind.SIMULATED
    )
    workflow.subject_sets.add(subject_set)
    made: dict[str, Subject] = {}
    for s in subjects:
        subject = Subject.objects.create(
            subject_set=subject_set, external_id=s.name, ra=s.ra, dec=s.dec,
            metadata={"exposure_s": 10_000.0 + 1000 * len(made)},
        )  # fmt: skip
        if s.label:
            ExpertLabel.objects.create(
                subject=subject, source="simulation", label=s.label, catalogue_id=s.catalogue_id
            )
        made[s.name] = subject
    workflow_subjects_sync(workflow=workflow)
    volunteers = [
        Volunteer.objects.create()
        for _ in range(max((len(s.answers) for s in subjects), default=0))
    ]
    for s in subjects:
        for volunteer, answer in zip(volunteers, s.answers, strict=False):
            classification_create(
                workflow=workflow, volunteer=volunteer, subject_id=made[s.name].pk, answer=answer,
                idempotency_key=uuid.uuid4(),
            )  # fmt: skip
    catalogue = catalogue_load(
        path=catalogue_file(tmp_path, catalogue_rows), preset="xclass", name="X-CLASS crafted",
        radius_arcsec=radius_arcsec,
    )  # fmt: skip
    version = None
    if any(s.model is not None for s in subjects):
        snapshot = LabelSnapshot.objects.create(
            workflow=workflow, min_votes=1, sha256="ab" * 32, row_count=0
        )
        run = TrainingRun.objects.create(snapshot=snapshot, status=TrainingRun.Status.SUCCEEDED)
        version = ModelVersion.objects.create(
            run=run, file="models/crafted.pt", snapshot_sha256=snapshot.sha256, code_version="test", seed=0,
            curve=[{"epoch": 1, "train_loss": 1.0, "val_loss": 1.1, "val_auc": 0.7}],
        )  # fmt: skip
        for s in subjects:
            if s.model is None:
                continue
            probabilities = dict.fromkeys(CLASSES, (1 - s.model) / 3)
            probabilities.update(cluster_low_z=s.model, cluster_high_z=0.0)
            Prediction.objects.create(
                model_version=version, subject=made[s.name], cluster_probability=s.model,
                class_probabilities=probabilities, uncertainty=0.1,
            )  # fmt: skip
    assert SubjectStatus.objects.filter(workflow=workflow).count() == len(subjects)
    return workflow, catalogue, version, made
