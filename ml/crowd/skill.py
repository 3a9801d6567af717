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
from ml.metrics.threshold import confusion_at, threshold_grid_counts

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


# The thresholds a target TPR/FPR may choose from: 0.5 to 0.99 in steps of 0.01, then 1 - 10^-x up to 1 - 1e-5
# (a Dawid-Skene posterior is often 0.999 and more, where the steps must be finer).
RATE_GRID = np.unique(
    np.concatenate([np.round(np.linspace(0.5, 0.99, 50), 4), 1.0 - np.logspace(-2, -5, 31)])
)
# Gold needed before a target TPR/FPR moves the threshold: judged gold subjects, and wrong ones among them
# (an FPR measured on fewer than five wrong labels is one subject's accident).
CALIBRATION_MIN_GOLD = 20
CALIBRATION_MIN_WRONG = 5


@dataclass(frozen=True)
class RateCalibration:
    """The threshold a target TPR/FPR chose on gold (None when it could not), and the rates there.

    Retiring is a decision about the subject's label: a gold subject whose votes-alone label is right and that
    would retire is a true positive, one whose label is wrong and would retire (retired with a wrong label) a
    false positive. TPR: share of the rightly-labelled gold subjects that would retire; FPR: share of the
    wrongly-labelled ones that would.
    """

    threshold: float | None
    tpr: float | None
    fpr: float | None
    gold: int
    wrong: int
    met: bool
    note: str

    def to_json(self) -> dict[str, object]:
        return {
            "threshold": self.threshold, "tpr": self.tpr, "fpr": self.fpr, "gold": self.gold,
            "wrong": self.wrong, "met": self.met, "note": self.note,
        }  # fmt: skip


def calibrate_rates(
    confidence: np.ndarray,
    correct: np.ndarray,
    *,
    target_fpr: float | None = None,
    target_tpr: float | None = None,
) -> RateCalibration:
    """The retirement threshold that meets a target FPR (the lowest such: the most retirements) or, with only a
    target TPR, the highest threshold that keeps that TPR (the fewest wrong retirements).

    With both, the FPR target decides (a wrong retirement is the costlier error) and ``met`` says whether the
    TPR target held too. ``confidence`` is each judged gold subject's max posterior from its votes alone (no
    gold clamp), ``correct`` whether that posterior's argmax is the gold class. Too little gold gives
    ``threshold=None`` with the reason in ``note``.
    """
    if target_fpr is None and target_tpr is None:
        raise ValueError("give a target FPR, a target TPR or both")
    for name, target in (("target_fpr", target_fpr), ("target_tpr", target_tpr)):
        if target is not None and not 0.0 < target < 1.0:
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {target}")
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if conf.shape != ok.shape or conf.ndim != 1:
        raise ValueError("confidence and correct must be 1-D and of one length")
    gold, wrong = int(ok.size), int((~ok).sum())
    if gold < CALIBRATION_MIN_GOLD or wrong < CALIBRATION_MIN_WRONG:
        note = (
            f"{gold} judged gold subjects, {wrong} with a wrong label: at least "
            f"{CALIBRATION_MIN_GOLD} and {CALIBRATION_MIN_WRONG} needed"
        )
        return RateCalibration(None, None, None, gold, wrong, False, note)
    if gold == wrong:
        return RateCalibration(None, None, None, gold, wrong, False, "no gold label is right")
    labels = ok.astype(np.int64)
    grid, tp, fp = threshold_grid_counts(conf, labels, RATE_GRID)
    tpr, fpr = tp / (gold - wrong), fp / wrong
    if target_fpr is not None:
        admissible = np.flatnonzero(fpr <= target_fpr)
        index = int(admissible[0]) if admissible.size else None
    else:
        assert target_tpr is not None
        admissible = np.flatnonzero(tpr >= target_tpr)
        index = int(admissible[-1]) if admissible.size else None
    if index is None:
        return RateCalibration(
            None, None, None, gold, wrong, False, "no threshold on the grid meets the target"
        )
    at = confusion_at(conf, labels, float(grid[index]))
    met = target_tpr is None or at.tpr >= target_tpr
    note = "" if met else f"the target TPR {target_tpr} does not hold at the target FPR"
    return RateCalibration(float(grid[index]), at.tpr, at.fpr, gold, wrong, met, note)
