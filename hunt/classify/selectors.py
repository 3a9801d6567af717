"""Reads for volunteers: the next subject (an indexed priority walk), subject payloads, history."""

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Q, QuerySet

from hunt.accounts.models import Volunteer
from hunt.classify.models import (
    Classification,
    SubjectStatus,
    VolunteerProgress,
    VolunteerSkill,
    Workflow,
)
from hunt.classify.rules import gold_share, seeded_random
from hunt.subjects.labels import HUNT_CLASSES
from hunt.subjects.models import Subject


def workflow_default() -> Workflow | None:
    return Workflow.objects.filter(active=True).order_by("pk").first()


def volunteer_seen_count(*, workflow: Workflow, volunteer: Volunteer | None) -> int:
    """How many subjects the volunteer has classified in the workflow (0 for one not created yet)."""
    if volunteer is None or volunteer.pk is None:
        return 0
    seen = (
        VolunteerProgress.objects.filter(volunteer=volunteer, workflow=workflow)
        .values_list("seen_count", flat=True)
        .first()
    )
    return seen or 0


def volunteer_progress(*, workflow: Workflow, volunteer: Volunteer | None) -> VolunteerProgress:
    """The volunteer's walk through the workflow. Creates nothing: without a row (a volunteer who has not
    classified here yet, or one not created yet) the walk starts at the top; the first classification
    stores the row."""
    progress = (
        VolunteerProgress.objects.filter(volunteer=volunteer, workflow=workflow).first()
        if volunteer is not None and volunteer.pk is not None
        else None
    )
    if progress is None:
        return VolunteerProgress(workflow=workflow, cursor_epoch=workflow.priority_epoch)
    if progress.cursor_epoch != workflow.priority_epoch:
        # Priorities were rewritten: walk again from the top (what was classified is still skipped).
        progress.cursor = progress.gold_cursor = -1.0
        progress.cursor_epoch = workflow.priority_epoch
        progress.save(update_fields=["cursor", "gold_cursor", "cursor_epoch"])
    return progress


def _walk(
    workflow: Workflow,
    volunteer: Volunteer | None,
    *,
    gold: bool,
    after: float,
    exclude: int | None,
) -> SubjectStatus | None:
    """The first active subject past `after` in priority order that this volunteer has not classified, nor
    any repeat observation of (Subject.repeat_group).

    Served by the partial index (workflow, is_gold, priority) WHERE retired_at IS NULL; the NOT EXISTS is
    a lookup in the unique (volunteer, subject, workflow) index per candidate row, never a history scan.
    """
    candidates = SubjectStatus.objects.filter(
        workflow=workflow, is_gold=gold, retired_at__isnull=True, priority__gt=after
    )
    if volunteer is not None:
        classified = Classification.objects.filter(
            volunteer=volunteer, workflow=workflow, subject=OuterRef("subject")
        )
        # A repeat observation of a source this volunteer classified looks like a repeat to them: skipped.
        # Only members of a repeat group are checked (the group's few subjects, by the partial index on
        # Subject.repeat_group, each a lookup in the unique classification index); most subjects have none.
        repeat_classified = Classification.objects.filter(
            volunteer=volunteer, workflow=workflow,
            subject__repeat_group=OuterRef("subject__repeat_group"),
        )  # fmt: skip
        candidates = candidates.filter(~Exists(classified)).filter(
            Q(subject__repeat_group__isnull=True) | ~Exists(repeat_classified)
        )
    if exclude is not None:
        candidates = candidates.exclude(subject_id=exclude)
    return candidates.order_by("priority").select_related("subject", "subject__subject_set").first()


def subject_next_for_volunteer(
    *, workflow: Workflow, volunteer: Volunteer | None, exclude: int | None = None
) -> SubjectStatus | None:
    """Never a subject this volunteer classified, never a retired one; gold injected on the schedule.

    `volunteer` is None for a visitor who has not classified yet: their volunteer row is created by their
    first classification, not by looking (a cookie-less GET writes nothing).

    `exclude` skips the subject on screen, so the page can preload the one after it. Reading changes
    nothing: the walk only advances when a classification is stored.
    """
    progress = volunteer_progress(workflow=workflow, volunteer=volunteer)
    want_gold = seeded_random(
        workflow.seed, "gold", volunteer.pk if volunteer is not None else 0, progress.seen_count
    ) < gold_share(workflow.gold_schedule, progress.seen_count)
    cursors = {True: progress.gold_cursor, False: progress.cursor}
    for gold in (want_gold, not want_gold):
        status = _walk(workflow, volunteer, gold=gold, after=cursors[gold], exclude=exclude)
        if status is None and cursors[gold] > -1.0:
            status = _walk(
                workflow, volunteer, gold=gold, after=-1.0, exclude=exclude
            )  # wrap around once
        if status is not None:
            return status
    return None


def subject_payload(subject: Subject, *, talk_url: str) -> dict[str, Any]:
    """What a volunteer may know about a subject: images and facts, never its truth."""
    bands: dict[str, Any] = {"xray": None, "optical": None}
    for cutout in subject.cutouts.all():
        meta = dict(cutout.viewer_meta)
        denoised_meta = meta.pop("denoised", None)
        bands[cutout.band] = {
            "data_url": default_storage.url(cutout.data_file.name),
            "preview_url": default_storage.url(cutout.preview.name),
            "width": cutout.width,
            "height": cutout.height,
            "pixel_scale_arcsec": cutout.pixel_scale_arcsec,
            "meta": meta,
            # A display-only denoised copy (visual aid); None for subjects ingested without one.
            "denoised": (
                {"data_url": default_storage.url(cutout.denoised_file.name), "meta": denoised_meta}
                if cutout.denoised_file and denoised_meta
                else None
            ),
        }
    return {
        "id": subject.pk,
        "set_name": subject.subject_set.name,
        "citation": subject.subject_set.citation,
        "ra": subject.ra,
        "dec": subject.dec,
        "metadata": subject.metadata,
        "thumbnail_url": default_storage.url(subject.thumbnail.name) if subject.thumbnail else None,
        "talk_url": talk_url,
        "bands": bands,
    }


def classifications_of_volunteer(*, volunteer: Volunteer) -> QuerySet[Classification]:
    return (
        Classification.objects.filter(volunteer=volunteer)
        .select_related("subject", "workflow")
        .order_by("-created_at", "-id")
    )


def workflow_answers(
    workflow: Workflow, *, examples: dict[str, list[dict[str, Any]]] | None = None
) -> list[dict[str, Any]]:
    """The answer buttons in order, with keyboard shortcuts: five when the redshift follow-up is on."""
    help_text = workflow.answer_help or {}
    rows: list[tuple[str, str, str]] = []
    if workflow.ask_redshift:
        rows += [
            ("cluster", "low", "Cluster, low redshift"),
            ("cluster", "high", "Cluster, high redshift"),
        ]
    else:
        rows.append(("cluster", "", "Galaxy cluster"))
    rows += [
        ("galaxy", "", "Nearby galaxy"),
        ("point", "", "Point source (star/AGN)"),
        ("other", "", "Other/artefact"),
    ]
    examples = examples or {}
    return [
        {
            "answer": answer,
            "redshift": redshift,
            "label": label,
            "shortcut": str(index),
            # Low- and high-redshift clusters get their own text ("cluster:low"/"cluster:high", else the
            # field guide's built-in ones, which say how the two differ), not the generic cluster help.
            "help": help_text.get(f"{answer}:{redshift}", "")
            if redshift
            else help_text.get(answer, ""),
            "examples": examples.get(f"{answer}:{redshift}") or examples.get(answer, []),
        }
        for index, (answer, redshift, label) in enumerate(rows, start=1)
    ]


def workflow_examples(
    workflow: Workflow, *, per_answer: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """Expert-labelled subjects for the field guide, keyed "answer" and "answer:redshift".

    Each is `{"subject_id", "thumbnail_url"}`: the page draws the example from the subject's own data
    exactly as the viewer draws subjects (smoothed X-ray beside the optical image); the thumbnail is the
    fallback without JavaScript.
    """
    from hunt.subjects.labels import LABEL_TO_ANSWER, Label
    from hunt.subjects.models import ExpertLabel

    examples: dict[str, list[dict[str, Any]]] = {}
    for label in Label:
        answer, redshift = LABEL_TO_ANSWER[label]
        key = f"{answer}:{redshift}" if redshift else answer
        if len(examples.get(key, [])) >= per_answer:
            continue
        thumbnails = (
            # Gold only: the field guide shows volunteers what the label is.
            ExpertLabel.objects.gold()
            .filter(label=label, subject__subject_set__in=workflow.subject_sets.all())
            .exclude(subject__thumbnail="")
            .order_by("subject_id")
            .values_list("subject_id", "subject__thumbnail")[:per_answer]
        )
        examples.setdefault(key, []).extend(
            {"subject_id": pk, "thumbnail_url": default_storage.url(name)}
            for pk, name in thumbnails
        )
    return examples


# --- Volunteer skill (written by hunt.classify.aggregation) ----------------------------------------------

SKILL_CLASS_NAMES = {
    "cluster_low_z": "nearby galaxy clusters",
    "cluster_high_z": "distant galaxy clusters",
    "galaxy": "nearby galaxies",
    "point": "point sources",
    "other": "artefacts",
}
# Below this many classifications we say nothing: the crowd model still mostly assumes, it has not learnt.
SKILL_MIN_CLASSIFICATIONS = 10
SKILL_RELIABLE = 0.8


def volunteer_skill_sentences(*, volunteer: Volunteer) -> list[str]:
    """Kind, specific sentences about what the crowd model learnt of this volunteer (their own page only)."""
    sentences = []
    for skill in VolunteerSkill.objects.filter(volunteer=volunteer).select_related("workflow"):
        if skill.classifications < SKILL_MIN_CLASSIFICATIONS or not skill.confusion:
            continue
        diagonal = {name: skill.confusion[i][i] for i, name in enumerate(HUNT_CLASSES)}
        strong = [SKILL_CLASS_NAMES[n] for n, p in diagonal.items() if p >= SKILL_RELIABLE]
        hardest = min(diagonal, key=lambda n: diagonal[n])
        if strong:
            sentences.append(f"{skill.workflow.name}: you spot {_join(strong)} reliably.")
        if diagonal[hardest] < SKILL_RELIABLE:
            sentences.append(
                f"{skill.workflow.name}: {SKILL_CLASS_NAMES[hardest]} are the trickiest for you, as for "
                "many volunteers; the field guide's examples can help."
            )
    return sentences


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def volunteer_skill_table(*, workflow: Workflow) -> list[dict[str, Any]]:
    """The scientists' table: one anonymised row per volunteer (a salted hash, never a name or a key)."""

    rows = []
    for skill in (
        VolunteerSkill.objects.filter(workflow=workflow)
        .order_by("-classifications", "pk")
        .only(
            "volunteer_id", "classifications", "gold_seen", "gold_correct", "confusion",
            "information_bits", "weight", "flag",
        )
    ):  # fmt: skip
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:skill:{skill.volunteer_id}".encode())
        row: dict[str, Any] = {
            "volunteer": f"v-{digest.hexdigest()[:10]}",
            "classifications": skill.classifications,
            "gold_seen": skill.gold_seen,
            "gold_accuracy": skill.gold_correct / skill.gold_seen if skill.gold_seen else None,
            "information_bits": skill.information_bits,
            "weight": skill.weight,
            "flag": skill.flag,
        }
        for i, name in enumerate(HUNT_CLASSES):
            row[f"p_right_{name}"] = skill.confusion[i][i] if skill.confusion else None
        rows.append(row)
    return rows
