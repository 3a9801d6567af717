"""An ingestion whose worker died mid-way: the sweeper re-queues it, a real worker runs the second attempt,
and the files the dead attempt wrote are gone; once attempts are spent, the sweeper fails it and removes them.

The dead attempt is a claim whose files are on disk and whose heartbeat stopped: what a `kill -9` of the
worker leaves on Redis, which does not give the message back for an hour (the sweeper is what recovers it).
"""

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from hunt.core.jobs import JobStatus, job_claim, jobs_sweep
from hunt.subjects.models import Cutout, IngestJob, Subject, SubjectSet
from hunt.subjects.services import ingest_job_claim, ingest_job_create
from hunt.subjects.storage import attempt_folder
from tests.workers import running_worker, wait_until

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _dead_attempt(folder: Path) -> tuple[IngestJob, str]:
    """An ingestion claimed by a worker that wrote one candidate's file and then went silent."""
    job = ingest_job_create(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=str(folder), options={"set_name": "Dead"}
    )
    claimed = job_claim(IngestJob, job.pk)
    assert claimed is not None
    orphan = default_storage.save(
        f"{attempt_folder(job.pk, 1)}/dead/ab/cdef/xray.u16", ContentFile(b"half")
    )
    silent_since = timezone.now() - timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS + 5)
    IngestJob.objects.filter(pk=job.pk).update(heartbeat_at=silent_since)
    return job, orphan


def _files_under(folder: str) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / folder
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_dead_ingestion_is_requeued_and_its_second_attempt_leaves_no_orphan(
    candidate_folder: Callable[..., Path],
) -> None:
    job, orphan = _dead_attempt(candidate_folder(3))
    with running_worker(REDIS):
        assert jobs_sweep(only=[IngestJob]) == {"IngestJob": 1}  # re-queued, no new trigger
        assert wait_until(
            lambda: IngestJob.objects.get(pk=job.pk).status not in IngestJob.ACTIVE, timeout=90
        )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.created == Subject.objects.count() == 3
    assert not default_storage.exists(orphan)
    assert _files_under(attempt_folder(job.pk, 1)) == []
    # Every file in use is the second attempt's, and every one it wrote is in use.
    names = {
        name
        for cutout in Cutout.objects.all()
        for name in (cutout.data_file.name, cutout.preview.name, cutout.denoised_file.name)
        if name
    } | {subject.thumbnail.name for subject in Subject.objects.all()}
    assert all(name.startswith(attempt_folder(job.pk, 2)) for name in names)
    written = {
        str(path.relative_to(settings.MEDIA_ROOT))
        for path in _files_under(attempt_folder(job.pk, 2))
    }
    assert written == names


@pytest.mark.django_db
def test_the_claim_of_a_redelivered_attempt_removes_the_dead_attempts_files(
    candidate_folder: Callable[..., Path],
) -> None:
    job, orphan = _dead_attempt(candidate_folder(1))
    second = ingest_job_claim(job.pk)  # the broker gave the message back (RabbitMQ does, at once)
    assert second is not None
    assert second.attempts == 2
    assert not default_storage.exists(orphan)


@pytest.mark.django_db
def test_past_its_attempts_the_sweeper_fails_a_dead_ingestion_and_removes_its_files(
    candidate_folder: Callable[..., Path],
) -> None:
    job, _ = _dead_attempt(candidate_folder(1))
    assert ingest_job_claim(job.pk) is not None  # attempt 2, which dies too
    late = default_storage.save(f"{attempt_folder(job.pk, 2)}/x/y/z/thumb.jpg", ContentFile(b"x"))
    IngestJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    assert jobs_sweep(only=[IngestJob]) == {"IngestJob": 1}

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "gave up after 2 attempts" in job.error
    assert not default_storage.exists(late)
    assert _files_under(f"cutouts/ingest-{job.pk}") == []
