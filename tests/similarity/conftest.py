"""A served latent space without training: real subjects, truth, predictions, a champion model version, and a
latent-space file written by the real service from chosen embeddings (training itself is tested elsewhere)."""

from dataclasses import dataclass

import numpy as np
import pytest

from hunt.classify.models import Workflow
from hunt.classify.services import workflow_subjects_sync
from hunt.learning.models import CLASSES, LabelSnapshot, ModelVersion, Prediction, TrainingRun
from hunt.similarity.models import LatentSpaceFile
from hunt.similarity.services import latent_space_store
from hunt.subjects.models import ExpertLabel, Subject, SubjectSet


@dataclass(frozen=True)
class LatentSurvey:
    workflow: Workflow
    version: ModelVersion
    ids: list[int]
    embeddings: np.ndarray
    is_cluster: np.ndarray
    redshift: np.ndarray
    space: LatentSpaceFile


def build_latent_survey(n: int = 40, *, seed: int = 0, outliers: int = 0) -> LatentSurvey:
    workflow, _ = Workflow.objects.update_or_create(
        slug="hunt", defaults={"name": "The Hunt", "retirement_rules": [], "active": True}
    )
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    subject_set = SubjectSet.objects.create(name="Latent", slug="latent", kind="simulated")
    workflow.subject_sets.add(subject_set)
    rng = np.random.default_rng(seed)
    is_cluster = np.arange(n) % 2 == 0
    redshift = np.where(is_cluster, rng.uniform(0.05, 1.0, n), np.nan)
    # Clusters and point sources in two tight cones, the clusters ordered by redshift along axis 2.
    embeddings = rng.normal(scale=0.05, size=(n, 6))
    embeddings[:, 0] += np.where(is_cluster, 1.0, -1.0)
    embeddings[:, 1] += np.where(is_cluster, np.nan_to_num(redshift) - 0.5, 0.0)
    for row in range(n - outliers, n):
        embeddings[row] = 0.0
        embeddings[row, 5] = 3.0  # a direction nothing else has
    subjects = []
    for i in range(n):
        subject = Subject.objects.create(
            subject_set=subject_set, external_id=f"L-{i:04d}", ra=150 + i * 0.3, dec=2.0
        )
        subjects.append(subject)
        ExpertLabel.objects.create(
            subject=subject, source="simulation", label="cluster_low_z" if is_cluster[i] else "point",
            redshift=float(redshift[i]) if is_cluster[i] else None,
        )  # fmt: skip
    workflow_subjects_sync(workflow=workflow)
    snapshot = LabelSnapshot.objects.create(
        workflow=workflow, min_votes=1, sha256="cd" * 32, row_count=0
    )
    run = TrainingRun.objects.create(snapshot=snapshot, status=TrainingRun.Status.SUCCEEDED)
    version = ModelVersion.objects.create(
        run=run, file="models/latent.pt", snapshot_sha256=snapshot.sha256, code_version="test", seed=0,
        complete=True, is_champion=True,
    )  # fmt: skip
    for i, subject in enumerate(subjects):
        p = 0.9 if is_cluster[i] else 0.1
        probabilities = dict.fromkeys(CLASSES, (1 - p) / 4)
        probabilities["cluster_low_z" if is_cluster[i] else "point"] = p
        Prediction.objects.create(
            model_version=version, subject=subject, cluster_probability=p,
            class_probabilities=probabilities, uncertainty=0.1,
        )  # fmt: skip
    ids = [s.pk for s in subjects]
    space = latent_space_store(
        version=version,
        ids=np.asarray(ids),
        embeddings=embeddings,
        source=LatentSpaceFile.Source.JOB,
    )
    return LatentSurvey(workflow, version, ids, embeddings, is_cluster, redshift, space)


@pytest.fixture
def latent_survey(db: None) -> LatentSurvey:
    return build_latent_survey()
