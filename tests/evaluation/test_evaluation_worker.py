"""A queued evaluation is picked up by a real Celery worker on Redis and finishes."""

import os
from pathlib import Path
from typing import Any

import pytest

from hunt.evaluation.models import EvaluationRun
from tests.evaluation.builders import Crafted, crafted_survey
from tests.workers import running_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

RA, DEC = 150.0, 2.0


def test_an_admin_request_is_evaluated_by_the_worker(staff_client: Any, tmp_path: Path) -> None:
    crafted_survey(
        tmp_path,
        [
            Crafted("c1", RA, DEC, answers=["cluster"], model=0.8),
            Crafted("p1", RA + 1, DEC, label="point", answers=["point"], model=0.3),
        ],
        [(1, RA, DEC, 0.2, "C1")],
    )
    with running_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")):
        response = staff_client.post(
            "/api/evaluations/",
            {"split": "all", "bootstrap_resamples": 10},
            content_type="application/json",
        )
        assert response.status_code == 202
        run_id = response.json()["id"]
        assert wait_until(
            lambda: EvaluationRun.objects.get(pk=run_id).status == EvaluationRun.Status.SUCCEEDED,
            timeout=60,
        )
    # No champion model in this data: the request evaluates the crowd alone.
    results = EvaluationRun.objects.get(pk=run_id).results
    assert "model" not in results
    assert results["crowd"]["auc"] == 1.0
