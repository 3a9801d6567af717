"""Admins queue ingestions over the API (as the Operations page does) and a real worker runs them."""

import os
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hunt.subjects.models import IngestJob, Subject
from tests.builders import DATA
from tests.workers import running_worker, wait_until

A907 = DATA / "xmm" / "a907"
PAYLOAD = {
    "kind": "xmm_field",
    "path": str(A907 / "0201903501-0.50-2.00keVmerged_img.fits"),
    "set_name": "XMM Abell 907",
    "sources": str(A907 / "sources.csv"),
    "obs_id": "0201903501",
    "size": 48,
}


def test_volunteers_and_scientists_cannot_queue_ingestions(
    volunteer_client: Client, scientist_client: Client
) -> None:
    url = reverse("api-ingest-jobs")
    assert volunteer_client.post(url, PAYLOAD, content_type="application/json").status_code == 403
    assert scientist_client.post(url, PAYLOAD, content_type="application/json").status_code == 403


def test_paths_outside_the_ingest_roots_are_refused(staff_client: Client) -> None:
    response = staff_client.post(
        reverse("api-ingest-jobs"),
        {**PAYLOAD, "path": "/etc/passwd"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "outside the folders" in response.json()["detail"]
    assert not IngestJob.objects.exists()


def test_a_field_without_a_source_list_is_a_400_naming_the_field(staff_client: Client) -> None:
    payload = {k: v for k, v in PAYLOAD.items() if k != "sources"}
    response = staff_client.post(
        reverse("api-ingest-jobs"), payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert "sources" in response.json()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_queued_ingestion_runs_in_the_worker_and_reports_progress(admin: Any) -> None:
    client = Client()
    client.force_login(admin)
    with running_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")):
        response = client.post(reverse("api-ingest-jobs"), PAYLOAD, content_type="application/json")
        assert response.status_code == 202
        job_url = reverse("api-ingest-job-detail", args=[response.json()["id"]])
        assert wait_until(
            lambda: client.get(job_url).json()["status"] in {"succeeded", "failed"}, timeout=60
        )

    job = client.get(job_url).json()
    expected = sum(
        1
        for line in (A907 / "sources.csv").read_text().splitlines()
        if line.startswith("0201903501")
    )
    assert job["status"] == "succeeded", job["error"]
    assert job["done"] == job["total"] == job["created"] == expected
    assert job["percent"] == 100.0
    assert Subject.objects.count() == expected
