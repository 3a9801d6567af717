"""Ingesting onto a full or read-only media storage: the job fails naming the cause, and none of the
candidates' files (not even those of the candidate being written) is left."""

from pathlib import Path
from typing import Any

import pytest

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import IngestJob, Subject, SubjectSet
from tests.builders import build_candidate_folder
from tests.disks import files_under, fill, small_disk


@pytest.mark.django_db
@pytest.mark.parametrize("read_only", [False, True], ids=["full", "read-only"])
def test_a_failing_media_storage_fails_the_ingestion_and_leaves_no_file(
    settings: Any, tmp_path: Path, read_only: bool
) -> None:
    source = build_candidate_folder(tmp_path, 8)
    with small_disk(tmp_path / "media", size_kb=512, read_only=read_only) as media:
        if not read_only:
            fill(media, leave_bytes=40_000)  # room for a candidate or two, then full mid-file
        settings.MEDIA_ROOT = str(media)
        with pytest.raises(OSError, match=r"No space left|Read-only"):
            ingest_run(
                kind=SubjectSet.Kind.CANDIDATE_FITS, source=source,
                options={"set_name": "Full disk"}, workers=1,
            )  # fmt: skip
        job = IngestJob.objects.get()
        assert job.status == IngestJob.Status.FAILED
        assert ("read-only" if read_only else "storage full") in job.error
        assert files_under(media) == []
        assert not Subject.objects.exists()
