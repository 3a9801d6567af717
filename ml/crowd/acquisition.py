"""Active learning: BALD from Monte Carlo dropout samples, and the order volunteers see subjects in.

BALD (Houlsby et al. 2011; Walmsley et al. 2020 for Galaxy Zoo) is the mutual information between the label and
the model's weights: the entropy of the mean prediction minus the mean entropy of the samples. High where the
samples disagree with each other (the model does not know), low where they agree, even on 50/50 (the image is
ambiguous and more labels will not help the model).

`priorities` interleaves three streams (Zooniverse KaDE promotes p >= 0.8 plus 20 % random): most informative
first (BALD), the likely clusters (volunteers' time on what the science needs), and a seeded random share; a
never-prioritised random sample keeps one fixed random place whatever the model says, so an unbiased sample of
the survey is always labelled (for evaluation).
"""

from __future__ import annotations

import numpy as np


def binary_entropy(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.asarray(-(q * np.log2(q) + (1 - q) * np.log2(1 - q)))


def bald(samples: np.ndarray) -> np.ndarray:
    """(S, N) sampled P(cluster) -> (N,) mutual information in bits, in [0, 1]."""
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError("samples must be (n_samples, n_subjects)")
    result: np.ndarray = np.clip(
        binary_entropy(s.mean(axis=0)) - binary_entropy(s).mean(axis=0), 0, 1
    )
    return result


STREAMS = ("bald", "likely_cluster", "random", "never")


def priorities(
    *,
    information: np.ndarray,
    cluster_probability: np.ndarray,
    draws: np.ndarray,
    places: np.ndarray,
    never: np.ndarray,
    random_share: float = 0.2,
    cluster_share: float = 0.2,
    likely_cluster: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """(priority in [0, 1), ascending = shown first; stream index into STREAMS) per subject.

    `draws` and `places` are seeded uniforms per subject (stream choice and random place), `never` marks the
    never-prioritised sample (it always takes its `places` value). Of the rest, a `random_share` of subjects
    (by `draws`) takes a random place; a `cluster_share` with P(cluster) >= `likely_cluster` is put at the
    front in order of P(cluster); all others follow in order of decreasing BALD.
    """
    n = len(information)
    info = np.asarray(information, dtype=np.float64)
    p = np.asarray(cluster_probability, dtype=np.float64)
    draws = np.asarray(draws, dtype=np.float64)
    stream = np.zeros(n, dtype=np.int64)
    priority = np.empty(n, dtype=np.float64)
    rand = (draws < random_share) & ~never
    likely = (
        (draws >= random_share)
        & (draws < random_share + cluster_share)
        & (p >= likely_cluster)
        & ~never
    )
    top = float(info.max()) if n and info.max() > 0 else 1.0
    # BALD stream in (0.0, 1.0]: 1 - info / top, the most informative first.
    priority[:] = 1.0 - info / top
    stream[:] = 0
    # Likely clusters interleave with the most informative: priority = 1 - p (0.0 .. 0.2).
    priority[likely] = 1.0 - p[likely]
    stream[likely] = 1
    priority[rand] = places[rand]
    stream[rand] = 2
    priority[never] = places[never]
    stream[never] = 3
    return np.clip(priority, 0.0, np.nextafter(1.0, 0.0)), stream


def pooled_confusion(
    posterior: np.ndarray, task: np.ndarray, answer: np.ndarray, pseudo: float = 1.0
) -> np.ndarray:
    """(K, K) the whole crowd's p(answer | true class): each vote counted under its subject's posterior."""
    q = np.asarray(posterior, dtype=np.float64)
    k = q.shape[1]
    counts = np.full((k, k), pseudo / k) + pseudo * np.eye(k)
    by_answer = np.zeros((k, k))  # [answer, true]
    np.add.at(by_answer, np.asarray(answer, dtype=np.int64), q[np.asarray(task, dtype=np.int64)])
    counts += by_answer.T
    result: np.ndarray = counts / counts.sum(axis=1, keepdims=True)
    return result


def label_gain(posterior: np.ndarray, confusion: np.ndarray) -> np.ndarray:
    """(N,) the expected rise in P(the subject's label is right) from one more vote by an average volunteer.

    With posterior pi and the crowd's confusion C[true, answer], the label after answer a is the argmax of
    pi * C[:, a], right with probability max_t pi_t C[t, a] / P(a); so the expected P(right) after the vote is
    sum_a max_t pi_t C[t, a], and the gain that minus max_t pi_t (>= 0). A subject without votes gains the most;
    a sure one, or one whose next vote could not change its label, nothing: the vote is better spent elsewhere.
    This is a label-side acquisition (what the *labels* need), beside BALD (what the *model* needs).
    """
    pi = np.asarray(posterior, dtype=np.float64)
    c = np.asarray(confusion, dtype=np.float64)
    joint = pi[:, :, None] * c[None, :, :]  # (N, true, answer)
    result: np.ndarray = np.clip(joint.max(axis=1).sum(axis=1) - pi.max(axis=1), 0.0, None)
    return result


def audit_order(posterior: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """The retirement audit: eligible subjects (retired, not gold, under the vote limit), least certain first.

    Once every subject has retired, volunteers' time is best spent re-checking the labels most likely to be
    wrong rather than idling: the subjects whose (stored, gold-clamped) posterior puts the least on its top
    class. A subject retired at the threshold may have fallen below it since, as the skills were refitted, and
    the crowd's correlated mistakes make a quick unanimous retirement less sure than Dawid-Skene says.
    """
    index = np.flatnonzero(np.asarray(eligible, dtype=bool))
    confidence = np.asarray(posterior, dtype=np.float64)[index].max(axis=1)
    result: np.ndarray = index[np.argsort(confidence, kind="stable")]
    return result
