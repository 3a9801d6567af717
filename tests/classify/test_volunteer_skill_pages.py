"""A volunteer reads their own skill kindly; scientists read everyone's, anonymised."""

from typing import Any

import pytest

from hunt.accounts.models import Volunteer
from hunt.classify.models import VolunteerSkill
from tests.evaluation.conftest import hunt_workflow

GOOD_AT_POINTS = [
    [0.7, 0.1, 0.1, 0.05, 0.05],
    [0.2, 0.5, 0.1, 0.1, 0.1],
    [0.2, 0.05, 0.6, 0.1, 0.05],
    [0.01, 0.01, 0.01, 0.96, 0.01],
    [0.05, 0.05, 0.05, 0.05, 0.8],
]


def skill_for(volunteer: Volunteer, **fields: Any) -> VolunteerSkill:
    return VolunteerSkill.objects.create(
        volunteer=volunteer, workflow=hunt_workflow(), confusion=GOOD_AT_POINTS,
        classifications=40, gold_seen=8, gold_correct=6, information_bits=1.2, **fields,
    )  # fmt: skip


@pytest.mark.django_db
def test_a_volunteer_sees_what_they_do_well_and_what_is_tricky(
    volunteer_client: Any, volunteer: Any
) -> None:
    skill_for(Volunteer.objects.get_or_create(user=volunteer)[0])
    page = volunteer_client.get("/classify/mine/").content.decode()
    assert "you spot point sources and artefacts reliably" in page
    assert "distant galaxy clusters are the trickiest for you" in page


@pytest.mark.django_db
def test_scientists_get_the_skill_table_anonymised(scientist_client: Any) -> None:
    flagged = Volunteer.objects.create()
    skill_for(flagged, weight=0.1, flag="constant")
    page = scientist_client.get("/science/volunteers/").content.decode()
    assert "constant" in page
    assert str(flagged.anonymous_key) not in page
    csv = scientist_client.get("/science/volunteers/?format=csv").content.decode()
    header, row = csv.strip().splitlines()
    assert header.startswith("volunteer,classifications,gold_seen,gold_accuracy")
    assert row.startswith("v-")
    assert str(flagged.pk) != row.split(",")[0]
    assert str(flagged.anonymous_key) not in csv


@pytest.mark.django_db
def test_volunteers_cannot_read_the_skill_table(volunteer_client: Any) -> None:
    assert volunteer_client.get("/science/volunteers/").status_code in (302, 403)
