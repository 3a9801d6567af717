"""Embeddings are written with each model version's predictions, one file per version, and the embedding
job recomputes them on a real Celery worker with its progress on the row."""

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hunt.classify.models import Workflow
from hunt.learning.models import ModelVersion, Prediction
from hunt.learning.pipeline import training_run_execute
from hunt.learning.services import training_run_start
from hunt.similarity.models import EmbeddingRun, LatentSpaceFile
from ml.latent.space import space_load
from tests.learning.conftest import TINY, labelled_workflow  # noqa: F401  (the fixture)
from tests.workers import running_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _space(row: LatentSpaceFile) -> Any:
    with row.file.open("rb") as handle:
        return space_load(handle.read())


def test_each_version_stores_its_embeddings_and_the_job_recomputes_them(
    labelled_workflow: Callable[..., Workflow],  # noqa: F811
    staff_client: Any,
) -> None:
    workflow = labelled_workflow(30)
    versions = []
    for seed in (1, 2):
        run = training_run_start(
            user=None, workflow=workflow, params={**TINY, "seed": seed}, queue=False
        )
        training_run_execute(run.pk)
        versions.append(ModelVersion.objects.get(run=run))
    rows = [LatentSpaceFile.objects.get(model_version=v) for v in versions]
    assert rows[0].file.name != rows[1].file.name
    for version, row in zip(versions, rows, strict=True):
        space = _space(row)
        predicted = sorted(
            Prediction.objects.filter(model_version=version).values_list("subject_id", flat=True)
        )
        assert space.ids.tolist() == predicted
        assert row.subjects == len(predicted) == 30
        assert row.dim == space.dim == 64  # the CNN's hidden layer
        assert row.source == LatentSpaceFile.Source.TRAINING
        np.testing.assert_allclose(np.linalg.norm(space.unit, axis=1), 1.0, atol=2e-3)
    # Two models embed the same subjects differently.
    assert not np.allclose(_space(rows[0]).unit, _space(rows[1]).unit, atol=1e-2)

    champion = ModelVersion.objects.get(is_champion=True)
    before = _space(LatentSpaceFile.objects.get(model_version=champion))
    with running_worker(
        os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"), queues=("training",)
    ):
        response = staff_client.post("/api/embedding-runs/")
        assert response.status_code == 202, response.content
        run_id = response.json()["id"]
        # A second request while one is active is refused.
        assert staff_client.post("/api/embedding-runs/").status_code in (202, 409)
        assert wait_until(
            lambda: EmbeddingRun.objects.get(pk=run_id).status not in EmbeddingRun.ACTIVE,
            timeout=120,
        )
    job = EmbeddingRun.objects.get(pk=run_id)
    assert job.status == EmbeddingRun.Status.SUCCEEDED, job.error
    assert job.done == job.total == 30
    assert staff_client.get(f"/api/embedding-runs/{run_id}/").json()["percent"] == 100.0
    row = LatentSpaceFile.objects.get(model_version=champion)
    assert row.source == LatentSpaceFile.Source.JOB
    after = _space(row)
    # The same model on the same cutouts: the same embeddings (to float16 storage).
    np.testing.assert_array_equal(after.ids, before.ids)
    np.testing.assert_allclose(after.unit, before.unit, atol=2e-3)


@pytest.mark.django_db
def test_the_embedding_job_needs_an_admin_and_a_model(
    scientist_client: Any, staff_client: Any
) -> None:
    assert scientist_client.post("/api/embedding-runs/").status_code == 403
    response = staff_client.post("/api/embedding-runs/")
    assert response.status_code == 409
    assert response.json()["code"] == "no_model"
