"""A full or read-only export storage: the job fails naming the cause, and no file (truncated or empty) is
left behind to trip the next export."""

from pathlib import Path
from typing import Any

import pytest

from hunt.exports.models import ExportJob
from hunt.exports.services import export_job_create, export_job_run, export_spec
from tests.disks import files_under, fill, small_disk
from tests.exports.conftest import World


def _point_exports_at(settings: Any, root: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }


def _export() -> ExportJob:
    job = export_job_create(spec=export_spec(kind="subjects", file_format="csv"), user=None)
    return export_job_run(job)


@pytest.mark.parametrize("read_only", [False, True], ids=["full", "read-only"])
def test_a_failing_storage_fails_the_job_clearly_and_leaves_nothing(
    world: World, settings: Any, tmp_path: Path, read_only: bool
) -> None:
    with small_disk(tmp_path / "disk", read_only=read_only) as disk:
        if not read_only:
            fill(disk)
        _point_exports_at(settings, disk)
        job = _export()
        assert job.status == ExportJob.Status.FAILED
        assert ("read-only" if read_only else "storage full") in job.error
        assert not job.file
        assert files_under(disk) == []

        if not read_only:
            # Space comes back: the next export succeeds (nothing of the failed one is in the way).
            (disk / "filler").unlink()
            again = _export()
            assert again.status == ExportJob.Status.SUCCEEDED, again.error
            assert len(files_under(disk)) == 1
