"""Personas' volunteer identities and a few subjects to collect."""

from typing import Any

import pytest

from hunt.accounts.models import Volunteer
from hunt.collect.models import Collection
from hunt.collect.services import collection_create
from hunt.subjects.models import Subject
from tests.factories import SubjectFactory


def volunteer_of(user: Any) -> Volunteer:
    volunteer, _ = Volunteer.objects.get_or_create(user=user)
    return volunteer


@pytest.fixture
def subjects(db: None) -> list[Subject]:
    return list(SubjectFactory.create_batch(3))


@pytest.fixture
def alice_private(volunteer: Any, subjects: list[Subject]) -> Collection:
    return collection_create(
        owner=volunteer_of(volunteer),
        title="Odd arcs",
        subject_ids=[subjects[0].pk, subjects[1].pk],
    )


@pytest.fixture
def alice_public(volunteer: Any, subjects: list[Subject]) -> Collection:
    return collection_create(
        owner=volunteer_of(volunteer),
        title="Best clusters",
        description="The clearest ones.",
        is_public=True,
        subject_ids=[subjects[2].pk],
    )
