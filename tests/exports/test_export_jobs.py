"""Background exports: queued over the API, built by a real worker, downloaded, deleted."""

import os
from typing import Any

import pytest
from astropy.table import Table
from django.test import Client
from django.urls import reverse

from hunt.exports.models import ExportJob
from hunt.exports.services import export_job_run
from tests.exports.conftest import World
from tests.workers import running_worker, wait_until


def _create(client: Client, **payload: Any) -> Any:
    return client.post(reverse("api-export-jobs"), payload, content_type="application/json")


def test_a_job_builds_a_fits_file_with_a_permanent_download_link(
    scientist_client: Client, world: World, tmp_path: Any
) -> None:
    response = _create(scientist_client, kind="subjects", file_format="fits", retired_only=True)
    assert response.status_code == 202, response.content
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert job.filters == {"retired_only": True}
    export_job_run(job)  # what the worker does (the worker itself is exercised below)
    state = scientist_client.get(response["Location"]).json()
    assert state["status"] == "succeeded"
    assert state["percent"] == 100.0
    assert state["row_count"] == 3
    assert len(state["sha256"]) == 64
    download = scientist_client.get(state["download_url"])
    assert download.status_code == 200
    path = tmp_path / "subjects.fits"
    path.write_bytes(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    assert len(Table.read(path)) == 3


def test_export_files_are_private_not_served_as_media(
    scientist_client: Client, world: World, settings: Any
) -> None:
    response = _create(scientist_client, kind="classifications", layout="flat")
    job = ExportJob.objects.get(pk=response.json()["id"])
    export_job_run(job)
    job.refresh_from_db()
    path = job.file.path
    assert os.path.exists(path)
    # Outside the served media folder: the only way to the file is the checked download view.
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert scientist_client.get(f"{settings.MEDIA_URL}{job.file.name}").status_code == 404
    assert Client().get(reverse("api-export-job-download", args=[job.pk])).status_code in {401, 403}


def test_jobs_belong_to_their_requester_and_admins(
    scientist_client: Client, staff_client: Client, volunteer_client: Client, world: World
) -> None:
    job_url = _create(scientist_client, kind="classifications", layout="panoptes")["Location"]
    assert staff_client.get(job_url).status_code == 200
    assert volunteer_client.get(job_url).status_code == 403
    from tests.factories import UserFactory

    other = Client()
    other.force_login(UserFactory.create(username="erin", scientist=True))
    assert other.get(job_url).status_code == 404


def test_bad_combinations_are_refused_with_a_reason(scientist_client: Client, world: World) -> None:
    response = _create(scientist_client, kind="classifications", file_format="fits")
    assert response.status_code == 400
    assert "CSV" in response.json()["detail"]
    response = _create(scientist_client, kind="snapshot", file_format="csv")
    assert response.status_code == 400
    assert "snapshot" in response.json()["detail"]


def test_the_export_kind_is_an_enum_in_the_schema_and_the_api(
    client: Client, scientist_client: Client, world: World
) -> None:
    # A18: `kind` was documented (and parsed) as free text.
    schema = client.get(
        reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    components = schema["components"]["schemas"]
    assert components["ExportJobInputRequest"]["properties"]["kind"] == {
        "$ref": "#/components/schemas/ExportKindEnum"
    }
    assert components["ExportKindEnum"]["enum"] == ["classifications", "subjects", "snapshot"]
    response = _create(scientist_client, kind="everything")
    assert response.status_code == 400
    assert "not a valid choice" in str(response.json()["kind"])
    assert ExportJob.objects.count() == 0


def test_unfinished_jobs_cannot_be_downloaded_and_deleting_removes_the_file(
    scientist_client: Client, world: World
) -> None:
    job = ExportJob.objects.get(pk=_create(scientist_client, kind="subjects").json()["id"])
    download = reverse("api-export-job-download", args=[job.pk])
    assert scientist_client.get(download).status_code == 409
    export_job_run(job)
    job.refresh_from_db()
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    assert (
        scientist_client.delete(reverse("api-export-job-detail", args=[job.pk])).status_code == 204
    )
    assert not storage.exists(name)
    assert not ExportJob.objects.filter(pk=job.pk).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_queued_export(world: World) -> None:
    from hunt.classify.models import Classification
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory.create(username="fay", scientist=True))
    with running_worker(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")):
        job_id = _create(client, kind="classifications", layout="flat").json()["id"]
        assert wait_until(
            lambda: ExportJob.objects.get(pk=job_id).status in ("succeeded", "failed"), timeout=60
        )
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == "succeeded", job.error
    assert job.row_count == Classification.objects.count() == job.total
