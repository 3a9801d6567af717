"""A simulated crowd that behaves like a real one (for the demo and the benchmarks).

Unlike "every volunteer is right 80 % of the time", this crowd has:

* **skills drawn from a distribution**: each honest volunteer has an overall skill (Beta, mean `skill_mean`), a
  per-class accuracy around it (some spot point sources well and mix up galaxies), and wrong answers that follow
  the Hunt's typical confusions (`CONFUSION_AFFINITY`), each row drawn from a Dirichlet;
* **spammers** (answers at random, the same whatever the image) and **constant** volunteers (nearly always the
  same answer);
* **difficulty that depends on the image**: a faint, small or distant cluster is harder for everyone, so
  mistakes are correlated across volunteers on the same subject (mixing each volunteer's row with
  `HARD_CONFUSION` by the subject's difficulty);
* **heavy-tailed activity**: a few volunteers give most classifications (Pareto weights), and each volunteer
  classifies a subject at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.crowd import N_CLASSES
from ml.learning.labels import CONFUSION_AFFINITY

# What a subject at difficulty 1 looks like to anyone: a quarter right, the rest along the affinities.
HARD_RIGHT = 0.25
HARD_CONFUSION = (1 - HARD_RIGHT) * CONFUSION_AFFINITY / CONFUSION_AFFINITY.sum(
    axis=1, keepdims=True
) + HARD_RIGHT * np.eye(N_CLASSES)

KINDS = ("honest", "spammer", "constant")


@dataclass(frozen=True, eq=False)
class Crowd:
    confusion: np.ndarray  # (W, K, K) [true, answer] on an easy subject
    kind: np.ndarray  # (W,) index into KINDS
    activity: np.ndarray  # (W,) share of all classifications, sums to 1

    @property
    def size(self) -> int:
        return int(self.kind.size)


def crowd_draw(
    n_volunteers: int,
    rng: np.random.Generator,
    *,
    spammer_share: float = 0.05,
    constant_share: float = 0.05,
    skill_mean: float = 0.75,
    skill_concentration: float = 6.0,
    class_spread: float = 0.08,
    row_concentration: float = 40.0,
    activity_tail: float = 1.2,
) -> Crowd:
    """`n_volunteers` volunteers: a seeded mix of honest (skills from a Beta), spammers and constant answerers."""
    if n_volunteers < 1:
        raise ValueError("n_volunteers must be positive")
    if not 0 <= spammer_share + constant_share <= 1:
        raise ValueError("spammer_share + constant_share must lie in [0, 1]")
    k = N_CLASSES
    n_spam = round(spammer_share * n_volunteers)
    n_const = round(constant_share * n_volunteers)
    kind = np.zeros(n_volunteers, dtype=np.int64)
    order = rng.permutation(n_volunteers)
    kind[order[:n_spam]] = 1
    kind[order[n_spam : n_spam + n_const]] = 2
    a, b = skill_mean * skill_concentration, (1 - skill_mean) * skill_concentration
    skill = np.clip(rng.beta(a, b, n_volunteers), 0.3, 0.98)
    accuracy = np.clip(skill[:, None] + rng.normal(0, class_spread, (n_volunteers, k)), 0.25, 0.99)
    off = CONFUSION_AFFINITY / CONFUSION_AFFINITY.sum(axis=1, keepdims=True)
    confusion = np.empty((n_volunteers, k, k))
    for w in range(n_volunteers):
        if kind[w] == 1:
            # A spammer's answer does not depend on the truth (all rows equal), with a taste of their own.
            row = rng.dirichlet(np.full(k, 3.0))
            confusion[w] = row[None, :]
        elif kind[w] == 2:
            row = np.full(k, 0.02 / (k - 1))
            row[rng.integers(k)] = 0.98
            confusion[w] = row[None, :]
        else:
            mean = off * (1 - accuracy[w])[:, None] + np.diag(accuracy[w])
            confusion[w] = np.vstack(
                [rng.dirichlet(row_concentration * mean[c] + 1e-3) for c in range(k)]
            )
    weights = rng.pareto(activity_tail, n_volunteers) + 1.0
    return Crowd(confusion=confusion, kind=kind, activity=weights / weights.sum())


def difficulty(
    classes: np.ndarray, rng: np.random.Generator, redshift: np.ndarray | None = None
) -> np.ndarray:
    """(N,) in [0, 1]: a base draw (most subjects easy), plus more for distant and high-z clusters and artefacts.

    With `redshift` (NaN for non-clusters) a cluster's difficulty grows with its redshift (fainter, smaller);
    without it a high-z cluster is harder than a low-z one on average.
    """
    c = np.asarray(classes, dtype=np.int64)
    d = rng.beta(1.2, 6.0, c.size)
    if redshift is not None:
        z = np.nan_to_num(np.asarray(redshift, dtype=np.float64), nan=0.0)
        d += np.where(c <= 1, 0.45 * np.clip((z - 0.15) / 0.9, 0.0, 1.0), 0.0)
    else:
        d += np.where(c == 1, 0.3, 0.0)
    d += np.where(c == 4, 0.1, 0.0)
    return np.asarray(np.clip(d, 0.0, 1.0))


def answer_probabilities(
    crowd: Crowd, volunteers: np.ndarray, truth: np.ndarray, hard: np.ndarray
) -> np.ndarray:
    """(..., K) answer probabilities of `volunteers` on subjects of class `truth` and difficulty `hard`."""
    easy = crowd.confusion[volunteers, truth]  # (..., K)
    h = np.asarray(hard)[..., None]
    # A spammer or constant volunteer does not look at the image: difficulty does not change them.
    honest = (crowd.kind[volunteers] == 0)[..., None]
    mixed = np.where(honest, (1 - h) * easy + h * HARD_CONFUSION[truth], easy)
    result: np.ndarray = mixed / mixed.sum(axis=-1, keepdims=True)
    return result


@dataclass(frozen=True, eq=False)
class Votes:
    volunteer: np.ndarray  # (N, V) who, in the order they would arrive
    answer: np.ndarray  # (N, V) class index given

    def counts(self, n: int | None = None) -> np.ndarray:
        """(N, K) vote counts using the first `n` votes of each subject (all by default)."""
        answers = self.answer if n is None else self.answer[:, :n]
        out = np.zeros((answers.shape[0], N_CLASSES))
        np.add.at(
            out, (np.repeat(np.arange(answers.shape[0]), answers.shape[1]), answers.ravel()), 1
        )
        return out


def votes_draw(
    crowd: Crowd,
    truth: np.ndarray,
    hard: np.ndarray,
    votes_per_subject: int,
    rng: np.random.Generator,
) -> Votes:
    """Each subject's first `votes_per_subject` votes: distinct volunteers drawn by activity, then their answers."""
    truth = np.asarray(truth, dtype=np.int64)
    n, w = truth.size, crowd.size
    if not 1 <= votes_per_subject <= w:
        raise ValueError("votes_per_subject must lie between 1 and the crowd's size")
    # Weighted sampling without replacement (Gumbel top-k): who comes by, in order.
    keys = np.log(crowd.activity)[None, :] + rng.gumbel(size=(n, w))
    who = np.argsort(-keys, axis=1)[:, :votes_per_subject]
    probs = answer_probabilities(
        crowd,
        who,
        np.repeat(truth[:, None], votes_per_subject, 1),
        np.repeat(np.asarray(hard)[:, None], votes_per_subject, 1),
    )
    cumulative = probs.cumsum(axis=-1)
    u = rng.random((n, votes_per_subject, 1))
    answer = (u > cumulative).sum(axis=-1).clip(0, N_CLASSES - 1)
    return Votes(volunteer=who, answer=answer)
