"""Dawid & Skene (1979) EM over (task, worker, answer) triples, with gold clamped and per-worker weights.

With the defaults (no pseudo-counts, weights 1) it is the same algorithm as crowd-kit's `DawidSkene`, step for
step: majority-vote initialisation, gold rows clamped to one-hot after every E-step, confusion rows clipped at
1e-10, and the same stopping rule (the change of the per-vote evidence lower bound below `tol`);
`tests/ml/crowd/test_dawid_skene.py` checks the agreement on a fixed data set.

Two additions for production:

* `pseudo_count` adds a Dirichlet prior to every confusion row (`pseudo_diagonal` more on the diagonal), so a
  volunteer with three votes does not get a confusion matrix of zeros and ones.
* `pseudo_population` adds that many pseudo-votes distributed as the whole crowd's pooled confusion matrix
  (empirical Bayes): a newcomer is believed as much as the average volunteer, spammers included.
* `worker_weight` tempers a worker's likelihood (a power in [0, 1]); the spam rule (`ml.crowd.skill.spam_weight`)
  down-weights, it never deletes a vote. Weights enter the E-step only: a down-weighted volunteer's confusion
  matrix is still learnt from all their votes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.crowd import N_CLASSES

EPS = 1e-10
METHOD = "dawid-skene-v1"


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    posterior: (
        np.ndarray
    )  # (T, K) p(class | votes); a task without votes (and not gold) gets the prior
    confusion: np.ndarray  # (W, K, K): confusion[w, true, answer] = p(answer | true) for worker w
    prior: np.ndarray  # (K,) class prior
    iterations: int
    converged: bool
    elbo: list[float]

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(self.posterior.argmax(axis=1))


def check_votes(
    task: np.ndarray, worker: np.ndarray, label: np.ndarray, n_tasks: int, n_workers: int, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, w, y = (np.asarray(a, dtype=np.int64).ravel() for a in (task, worker, label))
    if not t.size == w.size == y.size:
        raise ValueError("task, worker and label must have the same length")
    for name, values, high in (("task", t, n_tasks), ("worker", w, n_workers), ("label", y, k)):
        if values.size and (values.min() < 0 or values.max() >= high):
            raise ValueError(f"{name} indices must lie in [0, {high})")
    return t, w, y


def vote_matrix(
    task: np.ndarray, label: np.ndarray, n_tasks: int, k: int = N_CLASSES
) -> np.ndarray:
    """(T, K) vote counts per task."""
    counts = np.zeros((n_tasks, k))
    np.add.at(counts, (task, label), 1.0)
    return counts


def _clamp(posterior: np.ndarray, gold: np.ndarray | None) -> np.ndarray:
    if gold is None:
        return posterior
    known = gold >= 0
    posterior[known] = 0.0
    posterior[np.flatnonzero(known), gold[known]] = 1.0
    return posterior


def m_step(
    q: np.ndarray, task: np.ndarray, worker: np.ndarray, label: np.ndarray, n_workers: int,
    pseudo: np.ndarray | None = None, population: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """Confusion matrices (W, K, K) [true, answer] from soft task labels q (T, K)."""
    k = q.shape[1]
    counts = np.zeros((n_workers, k, k))
    # counts[w, c, answer] += q[task, c]
    np.add.at(counts, (worker, slice(None), label), q[task])  # type: ignore[arg-type]
    if population:
        # Empirical Bayes: every volunteer starts from the crowd's average confusion (spammers included), so
        # a newcomer with three votes is believed as much as the average volunteer, no more.
        pooled = counts.sum(axis=0) + 1.0
        counts = counts + population * pooled / pooled.sum(axis=1, keepdims=True)
    if pseudo is not None:
        counts += pseudo
    counts = np.clip(counts, EPS, None)
    confusion: np.ndarray = counts / counts.sum(axis=2, keepdims=True)
    return confusion


def log_likelihood(
    confusion: np.ndarray, task: np.ndarray, worker: np.ndarray, label: np.ndarray, n_tasks: int,
    weight: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """(T, K): sum over a task's votes of weight * log p(answer | class)."""
    k = confusion.shape[1]
    per_vote = np.log(confusion[worker, :, label])  # (V, K)
    if weight is not None:
        per_vote = per_vote * weight[worker][:, None]
    out = np.zeros((n_tasks, k))
    np.add.at(out, task, per_vote)
    return out


def normalise_log(log_p: np.ndarray) -> np.ndarray:
    shifted = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def dawid_skene(
    task: np.ndarray,
    worker: np.ndarray,
    label: np.ndarray,
    *,
    n_tasks: int,
    n_workers: int,
    n_classes: int = N_CLASSES,
    gold: np.ndarray | None = None,
    worker_weight: np.ndarray | None = None,
    pseudo_count: float = 0.0,
    pseudo_diagonal: float = 0.0,
    pseudo_population: float = 0.0,
    max_iter: int = 100,
    tol: float = 1e-5,
) -> DawidSkeneResult:
    """Fit per-worker confusion matrices and per-task posteriors.

    `gold` is (T,) with the known class or -1; gold tasks are clamped to their class throughout (their votes
    teach the confusion matrices most). `worker_weight` (W,) in [0, 1] tempers each worker's votes.
    """
    t, w, y = check_votes(task, worker, label, n_tasks, n_workers, n_classes)
    gold_arr = None if gold is None else np.asarray(gold, dtype=np.int64)
    if gold_arr is not None and gold_arr.shape != (n_tasks,):
        raise ValueError("gold must have one entry per task (-1 where unknown)")
    weight = None if worker_weight is None else np.asarray(worker_weight, dtype=np.float64)
    if weight is not None and (weight.shape != (n_workers,) or (weight < 0).any()):
        raise ValueError("worker_weight must be (n_workers,) and non-negative")
    pseudo = None
    if pseudo_count or pseudo_diagonal:
        pseudo = np.full((n_classes, n_classes), float(pseudo_count)) + pseudo_diagonal * np.eye(
            n_classes
        )
    voted = np.bincount(t, minlength=n_tasks) > 0
    voted_or_gold = voted | (gold_arr >= 0) if gold_arr is not None else voted
    rows = np.flatnonzero(voted_or_gold)
    # Majority-vote start: each task's vote shares (a gold task without votes is clamped below).
    counts = vote_matrix(t, y, n_tasks, n_classes)
    q = np.full((n_tasks, n_classes), 1.0 / n_classes)
    q[voted] = counts[voted] / counts[voted].sum(axis=1, keepdims=True)
    q = _clamp(q, gold_arr)
    prior = q[rows].mean(axis=0) if rows.size else np.full(n_classes, 1.0 / n_classes)
    confusion = m_step(q, t, w, y, n_workers, pseudo, pseudo_population)
    elbo: list[float] = []
    previous = -np.inf
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (the count is reported)
        log_prior = np.log(np.clip(prior, EPS, None))
        q = normalise_log(log_prior + log_likelihood(confusion, t, w, y, n_tasks, weight))
        q = _clamp(q, gold_arr)
        prior = q[rows].mean(axis=0) if rows.size else prior
        confusion = m_step(q, t, w, y, n_workers, pseudo, pseudo_population)
        bound = _elbo(q, prior, confusion, t, w, y, rows)
        elbo.append(bound)
        if bound - previous < tol:
            converged = True
            break
        previous = bound
    posterior = q.copy()
    posterior[~voted_or_gold] = prior
    return DawidSkeneResult(
        posterior=posterior, confusion=confusion, prior=prior, iterations=iterations,
        converged=converged, elbo=elbo,
    )  # fmt: skip


def _elbo(
    q: np.ndarray, prior: np.ndarray, confusion: np.ndarray, task: np.ndarray, worker: np.ndarray,
    label: np.ndarray, rows: np.ndarray,
) -> float:  # fmt: skip
    """crowd-kit's evidence lower bound per vote (the prior term counted once per vote, as there)."""
    if not task.size:
        return 0.0
    log_terms = np.log(confusion[worker, :, label]) + np.log(np.clip(prior, EPS, None))
    joint = float((q[task] * log_terms).sum())
    qc = np.clip(q[rows], EPS, None)
    entropy = float(-(np.log(qc) * qc).sum())
    return (joint + entropy) / task.size


def votes_posterior(
    result: DawidSkeneResult, task: np.ndarray, worker: np.ndarray, label: np.ndarray, n_tasks: int,
    worker_weight: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """(T, K) what the votes alone say, with the fitted skills and prior and no gold clamp (for retirement)."""
    t, w, y = check_votes(
        task, worker, label, n_tasks, result.confusion.shape[0], result.prior.size
    )
    log_prior = np.log(np.clip(result.prior, EPS, None))
    return normalise_log(
        log_prior + log_likelihood(result.confusion, t, w, y, n_tasks, worker_weight)
    )
