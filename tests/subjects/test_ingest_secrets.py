"""A8: the web ingestion cannot reach var/ (the demo's logins live there), and no error quotes a file."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hunt.subjects.models import IngestJob
from ml.fitsio import InputError
from ml.prepare import read_source_list
from tests.builders import sky_wcs

SECRET = "hunter2-correct-horse"
PAYLOAD = {"kind": "xmm_field", "set_name": "Leak", "obs_id": "1", "size": 48}


def test_var_itself_is_not_an_ingest_root() -> None:
    var = Path(settings.VAR_DIR).resolve()
    assert all(
        root.resolve() != var and not var.is_relative_to(root.resolve())
        for root in settings.INGEST_ROOTS
    )


@pytest.mark.django_db
def test_the_demo_logins_cannot_be_named_as_a_source_list(staff_client: Client) -> None:
    image = settings.BASE_DIR / "data" / "xmm" / "a907" / "0201903501-0.50-2.00keVmerged_img.fits"
    response = staff_client.post(
        reverse("api-ingest-jobs"),
        {
            **PAYLOAD,
            "path": str(image),
            "sources": str(Path(settings.VAR_DIR) / "demo_logins.json"),
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not IngestJob.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"admin": {"username": "demo-admin", "password": SECRET}}),
        f"ra,dec\n{SECRET},1\n",
        f"x,{SECRET}\n1,2\n",
        f"\x00\x01{SECRET}\xff",
    ],
    ids=["json", "bad-number", "column-names", "binary"],
)
def test_errors_name_the_file_and_problem_never_its_content(tmp_path: Path, text: str) -> None:
    path = tmp_path / "sources.csv"
    path.write_text(text, errors="surrogateescape")
    with pytest.raises(InputError) as error:
        read_source_list(path, image_wcs=sky_wcs(150.0, 2.0, 64, 4.0))
    assert SECRET not in str(error.value)
    assert str(path) in str(error.value)
