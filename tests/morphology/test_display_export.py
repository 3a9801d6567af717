"""Morphology is shown on the Talk page only once the volunteer classified the subject (scientists always),
and the subject export carries it in columns with units."""

import math
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.table import Table
from django.core.management import call_command
from django.test import Client

from hunt.accounts.models import Volunteer
from hunt.classify.models import Workflow
from hunt.classify.services import classification_create
from hunt.exports.services import export_spec, export_write
from hunt.morphology.models import SubjectMorphology
from tests.morphology.conftest import Survey

pytestmark = pytest.mark.django_db


def _measured(ingested_survey: Survey) -> SubjectMorphology:
    ingested_survey()
    call_command("measure_morphology")
    row = (
        SubjectMorphology.objects.filter(status="ok", c_santos__isnull=False, w__isnull=False)
        .order_by("-n_net_counts")
        .first()
    )
    assert row is not None
    return row


def test_talk_shows_morphology_only_after_the_volunteer_classified(
    ingested_survey: Survey, volunteer_client: Client, volunteer: Any, scientist_client: Client
) -> None:
    row = _measured(ingested_survey)
    url = f"/talk/subjects/{row.subject_id}/"
    shown = f"{row.c_santos:.3f}"
    for client in (Client(), volunteer_client):
        page = client.get(url).content.decode()
        assert 'id="subject-morphology"' not in page
        assert shown not in page
    me = Volunteer.objects.get_or_create(user=volunteer)[0]
    classification_create(
        workflow=Workflow.objects.get(slug="hunt"), volunteer=me, subject_id=row.subject_id,
        answer="cluster", redshift="low", idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    page = volunteer_client.get(url).content.decode()
    assert 'id="subject-morphology"' in page
    assert shown in page
    assert "Santos et al. 2008" in page
    assert 'id="subject-morphology"' in scientist_client.get(url).content.decode()


def test_the_subject_export_has_the_morphology_columns_with_units(
    ingested_survey: Survey, tmp_path: Path
) -> None:
    _measured(ingested_survey)
    path = tmp_path / "subjects.ecsv"
    export_write(export_spec(kind="subjects", file_format="ecsv"), path)
    table = Table.read(path, format="ascii.ecsv")
    assert str(table["morphology_net_counts"].unit) == "ct"
    assert str(table["morphology_aperture"].unit) == "kpc"
    rows = {r.subject_id: r for r in SubjectMorphology.objects.all()}
    assert rows
    for line in table:
        row = rows[int(line["subject_id"])]
        assert line["morphology_status"] == row.status
        assert line["morphology_net_counts"] == pytest.approx(row.n_net_counts)
        if row.c_santos is None:
            value = line["c_santos"]
            assert value is np.ma.masked or math.isnan(value)
        else:
            assert line["c_santos"] == pytest.approx(row.c_santos)
        if row.w is not None:
            assert line["centroid_shift_w"] == pytest.approx(row.w)
        assert bool(line["morphology_redshift_assumed"]) == row.redshift_assumed
