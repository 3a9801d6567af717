"""A6: model files live in private storage; only admins download them, through a checked view."""

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import Client
from django.urls import reverse

from hunt.classify.models import Workflow
from hunt.learning.models import LabelSnapshot, ModelVersion, TrainingRun


@pytest.fixture
def version(db: None) -> ModelVersion:
    workflow = Workflow.objects.create(name="Files", slug="files")
    snapshot = LabelSnapshot.objects.create(
        workflow=workflow, min_votes=1, sha256="0" * 64, row_count=0
    )
    run = TrainingRun.objects.create(snapshot=snapshot, status=TrainingRun.Status.SUCCEEDED)
    version = ModelVersion(run=run, snapshot_sha256=snapshot.sha256, code_version="t", seed=1)
    version.file.save(f"cnn-run{run.pk}.pt", ContentFile(b"weights"), save=True)
    return version


def test_the_file_is_in_private_storage_not_under_media(version: ModelVersion) -> None:
    assert storages["models"].exists(version.file.name)
    assert not default_storage.exists(version.file.name)


def test_the_guessable_media_url_is_not_served(version: ModelVersion, client: Client) -> None:
    assert client.get(f"/media/{version.file.name}").status_code == 404
    # Even a file copied back into the public media folder by hand is refused.
    default_storage.save(version.file.name, ContentFile(b"weights"))
    assert client.get(f"/media/{version.file.name}").status_code == 404
    assert (
        client.get("/media/cutouts/../models/" + version.file.name.split("/")[-1]).status_code
        == 404
    )


def test_only_admins_download_the_weights(
    version: ModelVersion, client: Client, volunteer_client: Client, scientist_client: Client,
    staff_client: Client,
) -> None:  # fmt: skip
    url = reverse("learning:model_file", args=[version.pk])
    assert client.get(url).status_code == 302  # to log in
    assert volunteer_client.get(url).status_code == 403
    assert scientist_client.get(url).status_code == 403
    response: Any = staff_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"weights"
    assert "no-store" in response["Cache-Control"]
