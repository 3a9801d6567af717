"""Many threads submitting at once: exact counts, no duplicates, no lost aggregate updates."""

import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from hunt.accounts.models import Volunteer
from hunt.classify.models import ANSWERS, Classification, SubjectStatus, Workflow
from hunt.classify.services import AlreadyClassified, classification_create, workflow_subjects_sync
from tests.factories import SubjectFactory, SubjectSetFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_count_each_vote_exactly_once() -> None:
    subject_set = SubjectSetFactory.create()
    subjects = SubjectFactory.create_batch(5, subject_set=subject_set)
    workflow = Workflow.objects.create(
        name="Race", slug="race", retirement_limit=0, retirement_rules=[]
    )
    workflow.subject_sets.add(subject_set)
    workflow_subjects_sync(workflow=workflow)
    volunteers = [Volunteer.objects.create() for _ in range(16)]

    # Every (volunteer, subject) vote is sent three times at once: twice with the same key (a client
    # retry) and once with a fresh key (a double click that made a new key).
    rng = random.Random(3)
    votes = [(v, s, rng.choice(ANSWERS), uuid.uuid4()) for v in volunteers for s in subjects]
    requests = [(v, s, a, k) for v, s, a, k in votes for k in (k, k, uuid.uuid4())]
    rng.shuffle(requests)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def submit(batch: list[tuple[Any, Any, str, uuid.UUID]]) -> list[str]:
        barrier.wait()
        results = []
        try:
            for volunteer, subject, answer, key in batch:
                try:
                    result = classification_create(
                        workflow=workflow, volunteer=volunteer, subject_id=subject.pk, answer=answer,
                        idempotency_key=key,
                    )  # fmt: skip
                    results.append("created" if result.created else "replayed")
                except AlreadyClassified:
                    results.append("duplicate")
        finally:
            connection.close()
        return results

    batches = [requests[i::8] for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for results in pool.map(submit, batches):
            outcomes += results

    assert outcomes.count("created") == len(votes)
    assert Classification.objects.count() == len(votes)
    assert outcomes.count("created") + outcomes.count("replayed") + outcomes.count(
        "duplicate"
    ) == len(requests)
    for subject in subjects:
        status = SubjectStatus.objects.get(workflow=workflow, subject=subject)
        stored = Classification.objects.filter(subject=subject)
        assert status.classification_count == stored.count() == len(volunteers)
        for answer in ANSWERS:
            assert getattr(status, f"{answer}_count") == stored.filter(answer=answer).count()
