"""Truth for evaluated subjects: catalogue matches (identifier join, then the stored radius) and experts' rejections.

The rule itself is `ml.evaluation.truth.truth_from_evidence` and is written out in docs/metrics.md. The
matching is recomputed here with the run's class filter rather than read from `CatalogueMatch`, because a
class filter changes the answer: a subject joined by identifier to a C2 cluster is *not* matched when only C1
is accepted (it is known to be that C2 object), and a sky match must then look for an eligible C1 nearby.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hunt.catalogues.models import ReferenceCatalogue
from hunt.subjects.models import ExpertLabel
from ml.catalogues import crossmatch_arrays
from ml.evaluation.truth import REJECTING_LABELS, truth_from_evidence


@dataclass(frozen=True)
class SubjectTruth:
    """Per subject, in the order given."""

    truth: npt.NDArray[np.int8]  # 1 positive, 0 negative, -1 unknown
    conflict: npt.NDArray[np.bool_]  # matched, yet an expert rejected it
    contested: npt.NDArray[
        np.bool_
    ]  # unmatched, within the radius of an entry a nearer candidate took
    entry_index: npt.NDArray[np.int64]  # matched entry (row in `entries` order), -1 when unmatched
    method: list[str]  # "id", "sky" or "" (unmatched)
    separation_arcsec: list[float | None]
    cluster_class: list[str]  # class of the matched entry, "" when unmatched
    redshift: list[float | None]  # catalogue redshift of the matched entry
    entry_source_id: list[str]


# Up to this many ids go into an IN list; beyond it psycopg and Django spend seconds on the parameters (2.5 s for
# 100,000), so the id range is read instead and filtered here: a subject has one or two expert labels at most.
_IN_LIST_LIMIT = 5_000


def expert_label_rows(subject_ids: Sequence[int], *fields: str) -> Iterator[tuple[Any, ...]]:
    """`fields` of the expert labels of `subject_ids`, per subject in label order (oldest first)."""
    if not subject_ids:
        return
    labels = ExpertLabel.objects.order_by("subject_id", "pk")
    if len(subject_ids) <= _IN_LIST_LIMIT:
        yield from labels.filter(subject_id__in=subject_ids).values_list(*fields)
        return
    wanted = set(subject_ids)
    rows = labels.filter(subject_id__gte=min(wanted), subject_id__lte=max(wanted)).values_list(
        "subject_id", *fields
    )
    for subject_id, *values in rows.iterator(chunk_size=10_000):
        if subject_id in wanted:
            yield tuple(values)


def _normalised(classes: Collection[str]) -> set[str]:
    return {str(c).strip().upper() for c in classes if str(c).strip()}


@dataclass(frozen=True)
class CatalogueEntries:
    """A catalogue's entries in row order, and which of them the class filter accepts."""

    ra: npt.NDArray[np.float64]
    dec: npt.NDArray[np.float64]
    eligible: npt.NDArray[np.bool_]


def catalogue_entries(
    catalogue: ReferenceCatalogue, class_filter: Collection[str] = ()
) -> CatalogueEntries:
    rows = list(catalogue.entries.order_by("row_number").values_list("ra", "dec", "cluster_class"))
    wanted = _normalised(class_filter)
    return CatalogueEntries(
        ra=np.asarray([r[0] for r in rows], dtype=np.float64),
        dec=np.asarray([r[1] for r in rows], dtype=np.float64),
        eligible=np.asarray(
            [not wanted or str(r[2] or "").strip().upper() in wanted for r in rows], dtype=bool
        ),
    )


def subjects_truth(
    *,
    catalogue: ReferenceCatalogue,
    subject_ids: Sequence[int],
    ra: Sequence[float | None],
    dec: Sequence[float | None],
    class_filter: Collection[str] = (),
) -> SubjectTruth:
    """Positive / negative / unknown for each subject against `catalogue` (empty filter: every class)."""
    n = len(subject_ids)
    entries = list(
        catalogue.entries.order_by("row_number").values_list(
            "source_id", "ra", "dec", "cluster_class", "redshift"
        )
    )
    wanted = _normalised(class_filter)
    catalogue_ids = [str(e[0]) for e in entries]
    classes = [str(e[3] or "").strip().upper() for e in entries]
    index = np.full(n, -1, dtype=np.int64)
    contested = np.zeros(n, dtype=bool)
    method = [""] * n
    separation: list[float | None] = [None] * n
    subject_pos = {pk: i for i, pk in enumerate(subject_ids)}
    # An identifier in any expert label joins the subject to the catalogue (same rule as catalogue_crossmatch).
    expert_ids: dict[int, str] = {}
    rejected = np.zeros(n, dtype=bool)
    for subject_id, label, catalogue_id in expert_label_rows(
        subject_ids, "subject_id", "label", "catalogue_id"
    ):
        i = subject_pos[subject_id]
        if catalogue_id:
            expert_ids[subject_id] = catalogue_id
        if label in REJECTING_LABELS:
            rejected[i] = True
    if entries:
        positioned = [i for i in range(n) if ra[i] is not None and dec[i] is not None]
        if positioned:
            result = crossmatch_arrays(
                np.asarray([ra[i] for i in positioned], dtype=np.float64),
                np.asarray([dec[i] for i in positioned], dtype=np.float64),
                np.asarray([e[1] for e in entries], dtype=np.float64),
                np.asarray([e[2] for e in entries], dtype=np.float64),
                radius_arcsec=catalogue.match_radius_arcsec,
                candidate_catalogue_ids=[expert_ids.get(subject_ids[i]) for i in positioned],
                catalogue_ids=catalogue_ids,
                catalogue_classes=classes,
                class_filter=wanted or None,
            )
            for k, i in enumerate(positioned):
                contested[i] = bool(result.contested[k])
                if result.index[k] >= 0:
                    index[i] = result.index[k]
                    method[i] = str(result.method[k])
                    sep = float(result.separation_arcsec[k])
                    separation[i] = None if np.isnan(sep) else round(sep, 3)
        # Subjects without a position (e.g. image sets without coordinates) can only join by identifier.
        position_of = {cid.strip(): j for j, cid in enumerate(catalogue_ids)}
        taken = set(index[index >= 0].tolist())  # one-to-one: an entry is matched once
        for i in range(n):
            if ra[i] is not None and dec[i] is not None:
                continue
            j = position_of.get(str(expert_ids.get(subject_ids[i], "")).strip())
            if j is not None and (not wanted or classes[j] in wanted) and j not in taken:
                index[i], method[i] = j, "id"
                taken.add(j)
    matched = index >= 0
    truth, conflict = truth_from_evidence(matched, rejected)
    return SubjectTruth(
        truth=truth,
        conflict=conflict,
        contested=contested,
        entry_index=index,
        method=method,
        separation_arcsec=separation,
        cluster_class=[classes[j] if j >= 0 else "" for j in index],
        redshift=[entries[j][4] if j >= 0 else None for j in index],
        entry_source_id=[catalogue_ids[j] if j >= 0 else "" for j in index],
    )
