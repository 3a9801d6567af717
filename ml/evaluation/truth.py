"""The truth rule: positive, negative or unknown, from catalogue matches and expert verdicts.

* **Positive** (1): the candidate matches a reference-catalogue cluster of an accepted class (identifier
  join first, otherwise the nearest entry within the catalogue's stored radius).
* **Negative** (0): no such match, and an expert rejected it (galaxy, point source or other).
* **Unknown** (-1): neither. Absence from a catalogue is not evidence of absence (the catalogue is
  incomplete, or the cluster is of an excluded class), so an unknown candidate is reported but never
  counted as a false positive.

A candidate both matched and expert-rejected is counted positive (the catalogue is the reference being
evaluated against) and flagged as a conflict so the numbers can be checked.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

POSITIVE = 1
NEGATIVE = 0
UNKNOWN = -1

# Expert labels that reject a candidate as a cluster.
REJECTING_LABELS = frozenset({"galaxy", "point", "other"})


def truth_from_evidence(
    matched: npt.ArrayLike, expert_rejected: npt.ArrayLike
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """(truth per candidate in {1, 0, -1}, conflict flags) from two boolean arrays of one length."""
    m = np.asarray(matched, dtype=bool)
    r = np.asarray(expert_rejected, dtype=bool)
    if m.shape != r.shape:
        raise ValueError(f"matched and expert_rejected differ in shape: {m.shape} vs {r.shape}")
    truth = np.full(m.shape, UNKNOWN, dtype=np.int8)
    truth[r] = NEGATIVE
    truth[m] = POSITIVE
    return truth, m & r
