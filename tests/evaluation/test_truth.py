"""Positive, negative or unknown: identifier join, radius match, just outside, expert rejection, class filter."""

from pathlib import Path

import pytest

from hunt.evaluation.truth import subjects_truth
from tests.evaluation.builders import Crafted, crafted_survey

RA, DEC = 150.0, 2.0
ARCSEC = 1 / 3600

SUBJECTS = [
    # Joined by identifier to 102 although 72" away from it (and nearer to 101).
    Crafted("by-id", RA + 0.02, DEC, label="cluster_low_z", catalogue_id="102"),
    Crafted("inside", RA + 1.0 + 19 * ARCSEC, DEC),  # 19" from 103, radius 20"
    Crafted("just-outside", RA + 2.0 + 21 * ARCSEC, DEC),  # 21" from 104: not matched, no verdict
    Crafted("rejected", RA + 3.0, DEC, label="point"),  # far from everything, expert says point
    Crafted(
        "unknown-cluster", RA + 4.0, DEC, label="cluster_high_z"
    ),  # a cluster, not in the catalogue
    Crafted("rejected-but-listed", RA + 5.0 + 5 * ARCSEC, DEC, label="galaxy"),  # 5" from 105
    Crafted("no-position", RA, DEC),  # position removed below
]
CATALOGUE = [
    (101, RA, DEC, 0.2, "C1"),
    (102, RA + 0.5, DEC, 0.9, "C2"),
    (103, RA + 1.0, DEC, 0.3, "C1"),
    (104, RA + 2.0, DEC, 0.3, "C1"),
    (105, RA + 5.0, DEC, 0.6, "C1"),
]


def _truth(tmp_path: Path, classes: tuple[str, ...]) -> dict[str, tuple[int, str, bool]]:
    _, catalogue, _, made = crafted_survey(tmp_path, SUBJECTS, CATALOGUE, radius_arcsec=20.0)
    made["no-position"].ra = made["no-position"].dec = None
    made["no-position"].save()
    names = list(made)
    truth = subjects_truth(
        catalogue=catalogue,
        subject_ids=[made[n].pk for n in names],
        ra=[made[n].ra for n in names],
        dec=[made[n].dec for n in names],
        class_filter=classes,
    )
    return {
        n: (int(truth.truth[i]), truth.method[i], bool(truth.conflict[i]))
        for i, n in enumerate(names)
    }


@pytest.mark.django_db
def test_the_rule_with_c1_and_c2(tmp_path: Path) -> None:
    truth = _truth(tmp_path, ("C1", "C2"))
    assert truth["by-id"] == (1, "id", False)
    assert truth["inside"] == (1, "sky", False)
    assert truth["just-outside"] == (
        -1,
        "",
        False,
    )  # no match and no verdict: unknown, not a negative
    assert truth["rejected"] == (0, "", False)
    assert truth["unknown-cluster"] == (-1, "", False)
    assert truth["rejected-but-listed"] == (1, "sky", True)  # the catalogue wins; flagged
    assert truth["no-position"] == (-1, "", False)


@pytest.mark.django_db
def test_c1_only_leaves_an_id_joined_c2_cluster_unknown_instead_of_matching_a_neighbour(
    tmp_path: Path,
) -> None:
    truth = _truth(tmp_path, ("C1",))
    # 102 is C2: the subject is known to be that object, so it does not fall back to C1 101 nearby.
    assert truth["by-id"] == (-1, "", False)
    assert truth["inside"] == (1, "sky", False)


@pytest.mark.django_db
def test_many_subjects_read_their_expert_labels_by_id_range_with_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, catalogue, _, made = crafted_survey(tmp_path, SUBJECTS, CATALOGUE, radius_arcsec=20.0)
    # Leave subjects with labels out ("unknown-cluster"), so the id range holds labels nobody asked for.
    chosen = [made[n] for n in ("by-id", "just-outside", "rejected", "rejected-but-listed")]

    def truth() -> list[tuple[int, bool]]:
        result = subjects_truth(
            catalogue=catalogue,
            subject_ids=[s.pk for s in chosen],
            ra=[s.ra for s in chosen],
            dec=[s.dec for s in chosen],
            class_filter=("C1", "C2"),
        )
        return [(int(t), bool(c)) for t, c in zip(result.truth, result.conflict, strict=True)]

    by_in_list = truth()
    monkeypatch.setattr("hunt.evaluation.truth._IN_LIST_LIMIT", 2)
    assert truth() == by_in_list
    assert by_in_list == [(1, False), (-1, False), (0, False), (1, True)]
