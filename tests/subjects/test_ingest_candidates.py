"""Folders of per-candidate FITS files: ingested whole, with their expert labels, or not at all."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import Cutout, ExpertLabel, IngestJob, Subject, SubjectSet
from hunt.subjects.services import IngestError
from tests.builders import media_files


def _ingest(folder: Path, name: str = "Survey") -> IngestJob:
    return ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": name}, workers=1
    )


@pytest.mark.django_db
def test_each_candidate_gets_both_bands_a_thumbnail_and_its_expert_label(
    candidate_folder: Callable[..., Path],
) -> None:
    job = _ingest(candidate_folder(4))

    assert job.created == 4
    assert Cutout.objects.filter(band="xray").count() == 4
    assert Cutout.objects.filter(band="optical").count() == 4
    subject = Subject.objects.get(external_id="CH-000000")
    assert subject.ra == pytest.approx(150.0)
    assert subject.metadata == {"field": "F1", "exposure_s": 15000.0}
    assert subject.thumbnail.name.endswith("thumb.jpg")
    label = ExpertLabel.objects.get(subject=subject)
    assert (label.label, label.redshift, label.catalogue_id) == ("cluster_low_z", 0.2, "101")


@pytest.mark.django_db
def test_nothing_in_a_subjects_files_or_volunteer_facts_names_its_class(
    candidate_folder: Callable[..., Path],
) -> None:
    _ingest(candidate_folder(4))
    for subject in Subject.objects.prefetch_related("cutouts"):
        public = [subject.thumbnail.name, str(subject.metadata)]
        public += [c.data_file.name for c in subject.cutouts.all()] + [
            c.preview.name for c in subject.cutouts.all()
        ]
        for text in public:
            for word in ("cluster", "point", "galaxy", "other"):
                assert word not in text.lower()


@pytest.mark.django_db
def test_the_command_reports_created_and_skipped(
    candidate_folder: Callable[..., Path], capsys: Any
) -> None:
    folder = candidate_folder(3)
    call_command("ingest", "candidates", str(folder), "--set", "Survey", "--workers", "1")
    call_command("ingest", "candidates", str(folder), "--set", "Survey", "--workers", "1")
    out = capsys.readouterr().out
    assert "3 new subject(s)" in out
    assert "0 new subject(s) in 'Survey', 3 already there" in out


@pytest.mark.django_db
def test_a_process_pool_gives_the_same_subjects_as_one_process(
    candidate_folder: Callable[..., Path],
) -> None:
    folder = candidate_folder(8)

    def metas(name: str) -> list[Any]:
        return list(
            Cutout.objects.filter(subject__subject_set__name=name)
            .order_by("subject__external_id", "band")
            .values_list("subject__external_id", "band", "viewer_meta")
        )

    ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": "A"}, workers=2
    )
    pooled = metas("A")
    # The same files in a second set are refused as duplicates (issue 18): compare after removing the first.
    SubjectSet.objects.filter(name="A").delete()
    ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": "B"}, workers=1
    )
    assert pooled == metas("B")


@pytest.mark.django_db
def test_an_unknown_expert_label_fails_before_anything_is_written(
    candidate_folder: Callable[..., Path], settings: Any
) -> None:
    folder = candidate_folder(2, labels=["cluster_low_z", "blob"])
    with pytest.raises(IngestError, match="'blob'"):
        _ingest(folder)
    assert Subject.objects.count() == 0
    assert SubjectSet.objects.count() == 0
    assert media_files(settings) == []
    assert IngestJob.objects.get().status == IngestJob.Status.FAILED
