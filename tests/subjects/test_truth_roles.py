"""Roles of truth: evaluation-only labels never retire, never give feedback, never train; gold does all three."""

import json
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hunt.accounts.models import Volunteer
from hunt.classify.models import SubjectStatus, Workflow, default_retirement_rules
from hunt.classify.selectors import workflow_examples
from hunt.classify.services import classification_create
from hunt.learning.models import LabelSnapshotRow
from hunt.learning.snapshots import label_snapshot_create
from hunt.subjects.ingestion import ingest_run
from hunt.subjects.labels import TruthRole
from hunt.subjects.models import ExpertLabel, Subject, SubjectSet
from tests.builders import build_candidate_folder

LABELS = ["cluster_low_z", "point", "galaxy", "other"]


def _workflow() -> Workflow:
    workflow, _ = Workflow.objects.update_or_create(
        slug="hunt",
        defaults={
            "name": "The Hunt", "active": True, "hidden_gold_share": 0.0,
            # The shipped default: an expert's "other" retires a subject at once.
            "retirement_rules": default_retirement_rules(),
        },
    )  # fmt: skip
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    return workflow


def _simulated(folder: Path) -> Path:
    (folder / "manifest.json").write_text(json.dumps({"size": 8, "seed": 1}))
    return folder


def _ingest(folder: Path, **options: object) -> SubjectSet:
    job = ingest_run(
        kind=SubjectSet.Kind.CANDIDATE_FITS
        if not (folder / "manifest.json").exists()
        else SubjectSet.Kind.SIMULATED,
        source=folder,
        options={"set_name": "Set", **options},
        workers=1,
    )
    assert job.subject_set is not None
    return job.subject_set


def _vote(workflow: Workflow, subject: Subject, answer: str) -> object:
    return classification_create(
        workflow=workflow, volunteer=Volunteer.objects.create(), subject_id=subject.pk,
        answer=answer, idempotency_key=uuid.uuid4(),
    )  # fmt: skip


@pytest.mark.django_db
def test_simulation_truth_is_evaluation_only_and_its_artefacts_stay_in_the_queue(
    tmp_path: Path,
) -> None:
    workflow = _workflow()
    _ingest(_simulated(build_candidate_folder(tmp_path, 8, labels=LABELS * 2)))

    assert set(ExpertLabel.objects.values_list("role", flat=True)) == {TruthRole.EVALUATION}
    artefacts = SubjectStatus.objects.filter(
        workflow=workflow, subject__expert_labels__label="other"
    )
    assert artefacts.count() == 2
    assert not artefacts.filter(retired_at__isnull=False).exists()
    assert not SubjectStatus.objects.filter(workflow=workflow, is_gold=True).exists()
    # No feedback, and the field guide shows none of them.
    artefact = artefacts.first()
    assert artefact is not None
    result = _vote(workflow, artefact.subject, "other")
    assert result.feedback is None  # type: ignore[attr-defined]
    assert not any(workflow_examples(workflow).values())


@pytest.mark.django_db
def test_evaluation_only_labels_never_reach_a_snapshot(tmp_path: Path) -> None:
    workflow = _workflow()
    _ingest(build_candidate_folder(tmp_path, 8, labels=LABELS * 2), evaluation_only=True)
    subjects = list(Subject.objects.order_by("pk"))
    Subject.objects.update(split="train")
    for subject in subjects[:4]:
        for answer in ("point", "point", "point"):
            _vote(workflow, subject, answer)

    snapshot = label_snapshot_create(workflow=workflow, min_votes=3)

    rows = LabelSnapshotRow.objects.filter(snapshot=snapshot)
    assert {row.source for row in rows} == {LabelSnapshotRow.Source.CROWD}
    assert {row.subject_id for row in rows} == {s.pk for s in subjects[:4]}
    assert {row.label for row in rows} == {"point"}  # the crowd's, not the truth's


@pytest.mark.django_db
def test_gold_labels_give_feedback_retire_artefacts_and_train(tmp_path: Path) -> None:
    workflow = _workflow()
    _ingest(build_candidate_folder(tmp_path, 8, labels=LABELS * 2))  # experts' labels: gold

    assert set(ExpertLabel.objects.values_list("role", flat=True)) == {TruthRole.GOLD}
    statuses = SubjectStatus.objects.filter(workflow=workflow)
    assert statuses.filter(is_gold=True).count() == 8
    retired = statuses.filter(retired_at__isnull=False)
    assert set(retired.values_list("subject__expert_labels__label", flat=True)) == {"other"}
    point = Subject.objects.filter(expert_labels__label="point").first()
    assert point is not None
    result = _vote(workflow, point, "cluster")
    assert result.feedback is not None  # type: ignore[attr-defined]
    assert not result.feedback.agrees  # type: ignore[attr-defined]
    Subject.objects.update(split="train")
    snapshot = label_snapshot_create(workflow=workflow, min_votes=3)
    assert LabelSnapshotRow.objects.filter(snapshot=snapshot, source="expert").count() == 8


@pytest.mark.django_db
def test_test_and_guard_regions_never_enter_a_snapshot(tmp_path: Path) -> None:
    workflow = _workflow()
    _ingest(build_candidate_folder(tmp_path, 8, labels=LABELS * 2))
    subjects = list(Subject.objects.order_by("pk"))
    for subject, split in zip(subjects, ["train", "validation", "test", "guard"] * 2, strict=True):
        Subject.objects.filter(pk=subject.pk).update(split=split)

    snapshot = label_snapshot_create(workflow=workflow, min_votes=1)

    splits = set(LabelSnapshotRow.objects.filter(snapshot=snapshot).values_list("split", flat=True))
    assert splits == {"train", "validation"}
    assert snapshot.counts["split"] == {"train": 2, "validation": 2}


@pytest.mark.django_db
def test_a_gold_share_of_simulation_truth_is_chosen_the_same_way_every_time(
    tmp_path: Path,
) -> None:
    _workflow()
    folder = _simulated(build_candidate_folder(tmp_path, 40, labels=LABELS * 10))
    _ingest(folder, gold_share=0.25)
    gold = set(
        ExpertLabel.objects.filter(role=TruthRole.GOLD).values_list(
            "subject__external_id", flat=True
        )
    )
    assert 3 <= len(gold) <= 20
    assert ExpertLabel.objects.filter(role=TruthRole.EVALUATION).count() == 40 - len(gold)


@pytest.mark.django_db
def test_the_labels_csv_may_name_candidates_by_file_stem_and_must_name_real_ones(
    tmp_path: Path,
) -> None:
    _workflow()
    folder = build_candidate_folder(tmp_path, 4)
    (folder / "expert_labels.csv").unlink()
    # The files are candidates/CH-00000i.fits; name them by stem, in a file of the scientist's own.
    elsewhere = tmp_path / "mine.csv"
    elsewhere.write_text("candidate_id,label\nCH-000001,point\nCH-000002,galaxy\n")
    call_command(
        "ingest", "candidates", str(folder), "--set", "Mine", "--labels", str(elsewhere),
        "--evaluation-only", "--workers", "1", verbosity=0,
    )  # fmt: skip
    labels = dict(ExpertLabel.objects.values_list("subject__external_id", "role"))
    assert labels == {"CH-000001": TruthRole.EVALUATION, "CH-000002": TruthRole.EVALUATION}

    bad = tmp_path / "bad.csv"
    bad.write_text("candidate_id,label\nNOPE-1,point\n")
    with pytest.raises(
        CommandError, match=r"bad\.csv: 1 label row\(s\) name no candidate.*'NOPE-1'"
    ):
        call_command(
            "ingest", "candidates", str(folder), "--set", "Other", "--labels", str(bad),
            "--workers", "1", verbosity=0,
        )  # fmt: skip
    assert not SubjectSet.objects.filter(name="Other").exists()
