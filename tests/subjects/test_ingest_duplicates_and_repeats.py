"""Issue 18: the same files ingested into another set are refused (they were shown twice to one volunteer), and
repeat observations of one source (another id, within 10") share a repeat group at ingestion."""

from pathlib import Path

import pytest
from astropy.table import Table

from hunt.subjects.ingestion import ingest_run
from hunt.subjects.models import IngestJob, Subject, SubjectSet
from hunt.subjects.services import IngestError, subject_repeat_groups_update
from tests.builders import build_candidate_folder, media_files
from tests.factories import SubjectFactory, SubjectSetFactory

pytestmark = pytest.mark.django_db


def _ingest(folder: Path, name: str) -> IngestJob:
    return ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS, source=folder, options={"set_name": name}, workers=1
    )


def _renamed(folder: Path, prefix: str) -> Path:
    """The same observations' positions under other ids: a second observation of each source."""
    for name, column in (("candidates.csv", "candidate_id"), ("expert_labels.csv", "candidate_id")):
        table = Table.read(folder / name, format="ascii.csv")
        table[column] = [f"{prefix}{value}" for value in table[column]]
        table.write(folder / name, format="ascii.csv", overwrite=True)
    return folder


def test_the_same_files_in_another_set_are_refused_naming_the_stored_subject(
    tmp_path: Path, settings: object
) -> None:
    _ingest(build_candidate_folder(tmp_path / "a", 3), "First set")
    first = Subject.objects.get(external_id="CH-000000")
    files_before = set(media_files(settings))
    with pytest.raises(IngestError) as refused:
        _ingest(build_candidate_folder(tmp_path / "b", 3), "Second set")
    message = str(refused.value)
    assert "3 of these candidates are already ingested" in message
    assert f"'CH-000000' is subject #{first.pk} in set 'First set'" in message
    # All or nothing: no subject, no file, no set left behind by the refused ingestion.
    assert Subject.objects.count() == 3
    assert not SubjectSet.objects.filter(name="Second set").exists()
    assert set(media_files(settings)) == files_before
    job = IngestJob.objects.order_by("-pk").first()
    assert job is not None
    assert job.status == IngestJob.Status.FAILED
    assert "already ingested" in job.error


def test_repeat_observations_share_a_group_and_others_have_none(tmp_path: Path) -> None:
    _ingest(build_candidate_folder(tmp_path / "a", 3), "First observation")
    assert set(Subject.objects.values_list("repeat_group", flat=True)) == {None}
    _ingest(_renamed(build_candidate_folder(tmp_path / "b", 3), "OBS2-"), "Second observation")
    for original in Subject.objects.filter(subject_set__name="First observation"):
        repeat = Subject.objects.get(external_id=f"OBS2-{original.external_id}")
        original.refresh_from_db()
        assert original.repeat_group == repeat.repeat_group == original.pk
        assert repeat.split == original.split  # the splits already grouped them so


def test_a_new_observation_bridging_two_groups_joins_them() -> None:
    subject_set = SubjectSetFactory.create()
    # 0" , 8" and 16" east along the equator: the outer two are 16" apart, each 8" from the middle one.
    west = SubjectFactory.create(subject_set=subject_set, ra=10.0, dec=0.0)
    west_twin = SubjectFactory.create(subject_set=subject_set, ra=10.0, dec=0.0)
    east = SubjectFactory.create(subject_set=subject_set, ra=10.0 + 16 / 3600, dec=0.0)
    east_twin = SubjectFactory.create(subject_set=subject_set, ra=10.0 + 16 / 3600, dec=0.0)
    alone = SubjectFactory.create(subject_set=subject_set, ra=20.0, dec=0.0)
    subject_repeat_groups_update()
    groups = dict(Subject.objects.values_list("pk", "repeat_group"))
    assert groups[west_twin.pk] == west.pk
    assert groups[east.pk] == groups[east_twin.pk] == east.pk
    assert groups[alone.pk] is None
    middle = SubjectFactory.create(subject_set=subject_set, ra=10.0 + 8 / 3600, dec=0.0)
    subject_repeat_groups_update()
    groups = dict(Subject.objects.values_list("pk", "repeat_group"))
    members = [west, west_twin, east, east_twin, middle]
    assert {groups[s.pk] for s in members} == {west.pk}
