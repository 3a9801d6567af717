"""Volunteer skill from gold, one subject's posterior, the spam rule and the posterior retirement threshold.

SWAP (Marshall et al. 2016, Space Warps) learns each volunteer's P("yes" | lens) and P("no" | not) online from
gold with a prior; here the same idea for five classes: a volunteer's confusion matrix is the posterior mean of a
Dirichlet per true class, pseudo-counts `PSEUDO_DIAGONAL` on the right answer and `PSEUDO_OFF` on each wrong one
(a newcomer is assumed right about two times in three) plus the counts of their gold answers. Each gold answer
adds one count; nothing is ever recomputed from scratch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.crowd import CLUSTER, N_CLASSES

# Prior counts: 2 on the diagonal and 0.25 on each of the 4 wrong answers = a newcomer right 2/3 of the time.
PSEUDO_DIAGONAL = 2.0
PSEUDO_OFF = 0.25


def prior_counts(k: int = N_CLASSES) -> np.ndarray:
    return np.full((k, k), PSEUDO_OFF) + (PSEUDO_DIAGONAL - PSEUDO_OFF) * np.eye(k)


def gold_counts_update(
    counts: np.ndarray, true_class: int, answer: int, weight: float = 1.0
) -> np.ndarray:
    """The online SWAP step: one gold answer adds one count to row `true_class` (a new array)."""
    out = np.array(counts, dtype=np.float64, copy=True)
    out[true_class, answer] += weight
    return out


def confusion_from_counts(counts: np.ndarray) -> np.ndarray:
    """Posterior mean confusion (K, K) [true, answer] of gold counts plus the prior pseudo-counts."""
    total = np.asarray(counts, dtype=np.float64) + prior_counts(np.shape(counts)[0])
    result: np.ndarray = total / total.sum(axis=1, keepdims=True)
    return result


def subject_posterior(
    answers: np.ndarray,
    confusions: np.ndarray,
    prior: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """p(class | votes) for one subject: prior x prod over voters of p(answer | class) ** weight."""
    answers = np.asarray(answers, dtype=np.int64)
    log_p = np.log(np.clip(np.asarray(prior, dtype=np.float64), 1e-12, None)).copy()
    if answers.size:
        per_vote = np.log(np.clip(confusions[np.arange(answers.size), :, answers], 1e-12, None))
        if weights is not None:
            per_vote = per_vote * np.asarray(weights, dtype=np.float64)[:, None]
        log_p += per_vote.sum(axis=0)
    p = np.exp(log_p - log_p.max())
    result: np.ndarray = p / p.sum()
    return result


def cluster_probability(posterior: np.ndarray) -> np.ndarray:
    """P(cluster) = P(low z) + P(high z), for (K,) or (N, K)."""
    p = np.asarray(posterior)
    return np.asarray(p[..., CLUSTER[0]] + p[..., CLUSTER[1]])


def information_bits(confusion: np.ndarray, prior: np.ndarray | None = None) -> float:
    """Mutual information (bits) between truth and a volunteer's answer: 0 for a spammer or a constant answer."""
    k = confusion.shape[0]
    pi = np.full(k, 1.0 / k) if prior is None else np.asarray(prior, dtype=np.float64)
    joint = pi[:, None] * confusion
    answer = joint.sum(axis=0)
    ratio = np.where(joint > 0, joint / np.clip(pi[:, None] * answer[None, :], 1e-300, None), 1.0)
    return float((joint * np.log2(ratio)).sum())


# --- The spam rule ------------------------------------------------------------------------------------
# Down-weight, never delete: a flagged volunteer's votes stay in the database, in the exports and in the
# confusion matrices; only their weight in the posterior drops to SPAM_WEIGHT. Two flags:
# * "constant": at least CONSTANT_MIN_VOTES classifications and one answer given in at least CONSTANT_SHARE of
#   them (the survey's commonest class is about 40 %; Galaxy Zoo DECaLS drops volunteers with >= 150
#   classifications and an artefact rate > 0.5, we down-weight at 0.9 of any single answer).
# * "uninformative": at least SPAM_MIN_GOLD gold answers and a gold accuracy at most SPAM_MAX_GOLD_ACCURACY
#   (chance is 0.2 for five answers).
SPAM_WEIGHT = 0.1
CONSTANT_MIN_VOTES = 30
CONSTANT_SHARE = 0.9
SPAM_MIN_GOLD = 10
SPAM_MAX_GOLD_ACCURACY = 0.3


@dataclass(frozen=True)
class SpamVerdict:
    weight: float
    flag: str  # "", "constant" or "uninformative"


def spam_weight(answer_counts: np.ndarray, gold_seen: int, gold_correct: int) -> SpamVerdict:
    counts = np.asarray(answer_counts, dtype=np.float64)
    total = float(counts.sum())
    if total >= CONSTANT_MIN_VOTES and counts.max() >= CONSTANT_SHARE * total:
        return SpamVerdict(SPAM_WEIGHT, "constant")
    if gold_seen >= SPAM_MIN_GOLD and gold_correct <= SPAM_MAX_GOLD_ACCURACY * gold_seen:
        return SpamVerdict(SPAM_WEIGHT, "uninformative")
    return SpamVerdict(1.0, "")


# --- Retirement by posterior ------------------------------------------------------------------------


def calibrate_threshold(
    confidence: np.ndarray,
    correct: np.ndarray,
    *,
    target_accuracy: float,
    candidates: np.ndarray | None = None,
) -> float | None:
    """The lowest confidence threshold at which subjects above it are right at least `target_accuracy` of the time.

    `confidence` is each gold subject's max posterior computed *without* its gold clamp, `correct` whether its
    argmax is the gold class. None when no threshold reaches the target.
    """
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    grid = np.round(np.linspace(0.5, 0.999, 500), 3) if candidates is None else candidates
    for threshold in grid:
        above = conf >= threshold
        if above.sum() >= 5 and ok[above].mean() >= target_accuracy:
            return float(threshold)
    return None
