"""The evaluations API: scientists read, admins start runs (202 + Location), bad input is a 400."""

from pathlib import Path
from typing import Any

import pytest

from hunt.evaluation.models import EvaluationRun
from hunt.evaluation.services import evaluation_run_execute
from tests.evaluation.builders import Crafted, crafted_survey
from tests.evaluation.conftest import hunt_workflow

RA, DEC = 150.0, 2.0
SUBJECTS = [
    Crafted("c1", RA, DEC, answers=["cluster", "cluster"], model=0.8),
    Crafted("p1", RA + 1, DEC, label="point", answers=["point", "cluster"], model=0.3),
]
CATALOGUE = [(1, RA, DEC, 0.2, "C1")]


@pytest.mark.django_db
def test_volunteers_and_anonymous_users_cannot_read_evaluations(
    volunteer_client: Any, client: Any
) -> None:
    assert volunteer_client.get("/api/evaluations/").status_code == 403
    assert client.get("/api/evaluations/").status_code == 401  # token auth offers a challenge


@pytest.mark.django_db
def test_a_scientist_reads_but_cannot_start(scientist_client: Any, tmp_path: Path) -> None:
    crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    assert scientist_client.get("/api/evaluations/").json() == []
    response = scientist_client.post("/api/evaluations/", {}, content_type="application/json")
    assert response.status_code == 403
    assert not EvaluationRun.objects.exists()


@pytest.mark.django_db
def test_an_admin_starts_a_run_that_is_queued_after_commit(
    staff_client: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    _, catalogue, version, _ = crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    assert version is not None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            "/api/evaluations/",
            {
                "classes": ["C1"],
                "split": "all",
                "model_version": version.pk,
                "bootstrap_resamples": 50,
            },
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"] == f"/api/evaluations/{body['id']}/"
    # The view runs in no transaction of its own: the row is committed by its INSERT, then the job is sent
    # at once (a broker outage can then answer 503); inside a transaction it would wait for the commit.
    assert len(callbacks) == 0
    assert body["status"] == "queued"
    assert body["catalogue"] == catalogue.pk
    assert body["class_filter"] == ["C1"]
    assert body["model_version"] == version.pk
    evaluation_run_execute(body["id"])
    detail = staff_client.get(body["url"]).json()
    assert detail["status"] == "succeeded"
    assert detail["results"]["model"]["confusion"] == {"tp": 1, "fp": 0, "tn": 1, "fn": 0}


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_fails_the_run_and_answers_503(
    staff_client: Any, tmp_path: Path
) -> None:
    crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    from hunt.celery import app as main_app
    from hunt.celery import create_app

    # A real app pointed at a port where no broker listens (as the learning tests do).
    unreachable = create_app(broker_url="redis://127.0.0.1:9/0", main="hunt-no-broker")
    unreachable.set_current()
    unreachable.set_default()
    try:
        response = staff_client.post("/api/evaluations/", {}, content_type="application/json")
    finally:
        main_app.set_current()
        main_app.set_default()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json()["code"] == "job_queue_unavailable"
    run = EvaluationRun.objects.get()
    assert run.status == EvaluationRun.Status.FAILED
    assert "broker" in run.error


@pytest.mark.django_db
def test_bad_input_is_a_400_naming_the_problem(staff_client: Any, tmp_path: Path) -> None:
    hunt_workflow()
    response = staff_client.post("/api/evaluations/", {}, content_type="application/json")
    assert response.status_code == 400
    assert "no reference catalogue" in response.json()["detail"]
    crafted_survey(tmp_path, SUBJECTS, CATALOGUE)
    response = staff_client.post(
        "/api/evaluations/", {"threshold": 2, "classes": ["C9"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert {"threshold", "classes"} <= set(response.json())
    response = staff_client.post(
        "/api/evaluations/", {"classes": ["C2"]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "no entries of class C2" in response.json()["detail"]
