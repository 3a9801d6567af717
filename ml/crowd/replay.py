"""The replay protocol: every arm draws from the same pre-drawn votes, so arms differ only in their rules.

Each subject has a fixed sequence of votes (`ml.crowd.simulate.Votes`: who would come by, in order, and what they
would answer). An arm decides the order subjects are shown in and when a subject retires; it spends votes in
rounds (each round, the first `round_size` active subjects of its order get their next vote) until its budget is
spent or every subject is retired. Walmsley et al. (2020) measure active learning this way, with the random
baseline through the identical pipeline.

Rules: "count" (retire at `limit` votes, Panoptes' 15), "rules" (today's default: `limit`, or at least 5 votes
with 80 % agreement), "posterior" (the Dawid-Skene posterior's top class reaches `threshold` with at least
`min_votes` votes, or the `limit` is reached). Labels: plurality (ties to the lowest class, cluster first) for
"count" and "rules", the Dawid-Skene posterior for "posterior".

With `audit`, an arm whose subjects have all retired before its budget is spent does not stop: each round gives
the next vote to the retired subjects whose label is least certain (`ml.crowd.acquisition.audit_order`, gold and
subjects at the limit excluded), as the crowd aggregation job re-opens them in production
(`hunt.classify.aggregation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ml.crowd import N_CLASSES
from ml.crowd.acquisition import audit_order
from ml.crowd.dawid_skene import dawid_skene, log_likelihood, normalise_log
from ml.crowd.simulate import Votes

# Given (votes given so far (N,), current posterior (N, K), retired (N,)), the order to show active subjects in.
Order = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

# Empirical-Bayes pseudo-votes (a newcomer looks like the average volunteer): chosen on the replay of
# docs/crowd.md, where a fixed "right 2/3 of the time" prior believed rare spammers too much.
DS_PSEUDO_POPULATION = 10.0


@dataclass
class ReplayState:
    given: np.ndarray  # (N,) votes spent on each subject
    retired: np.ndarray  # (N,) bool
    posterior: np.ndarray  # (N, K) the arm's current label distribution
    spent: int = 0
    curve: list[dict[str, float]] = field(default_factory=list)

    @property
    def labels(self) -> np.ndarray:
        labels = self.posterior.argmax(axis=1)
        return np.where(self.given > 0, labels, -1)


def plurality(counts: np.ndarray) -> np.ndarray:
    """(N, K) counts -> (N, K) one-hot of the plurality answer (ties to the lowest index, like consensus_class)."""
    out = np.zeros_like(counts, dtype=np.float64)
    out[np.arange(counts.shape[0]), counts.argmax(axis=1)] = 1.0
    return out


def given_counts(votes: Votes, given: np.ndarray) -> np.ndarray:
    """(N, K) the answers of each subject's first `given` votes, counted per class."""
    mask = np.arange(votes.answer.shape[1])[None, :] < given[:, None]
    out = np.zeros((given.size, N_CLASSES))
    rows = np.repeat(np.arange(given.size), votes.answer.shape[1])
    np.add.at(out, (rows[mask.ravel()], votes.answer.ravel()[mask.ravel()]), 1.0)
    return out


def aggregate(
    votes: Votes, given: np.ndarray, *, n_workers: int, gold: np.ndarray, method: str,
    model_answer: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(posterior with gold clamped, posterior from the votes alone) per subject.

    The second is what retirement reads: a gold subject retires when its volunteers are sure, like any other
    (its gold still teaches the confusion matrices). `model_answer` (N,) is a model's class per subject (-1:
    none): one more voter with its own confusion matrix (Gravity Spy's idea, `--model-voter` in production).
    """
    if method == "plurality":
        labels = plurality(given_counts(votes, given))
        return labels, labels
    mask = (np.arange(votes.answer.shape[1])[None, :] < given[:, None]).ravel()
    task = np.repeat(np.arange(given.size), votes.answer.shape[1])[mask]
    worker, answer = votes.volunteer.ravel()[mask], votes.answer.ravel()[mask]
    if model_answer is not None:
        has = np.flatnonzero(model_answer >= 0)
        task = np.concatenate([task, has])
        worker = np.concatenate([worker, np.full(has.size, n_workers)])
        answer = np.concatenate([answer, model_answer[has]])
        n_workers += 1
    result = dawid_skene(
        task,
        worker,
        answer,
        n_tasks=given.size,
        n_workers=n_workers,
        gold=gold,
        pseudo_population=DS_PSEUDO_POPULATION,
    )
    log_prior = np.log(np.clip(result.prior, 1e-12, None))
    free = normalise_log(
        log_prior + log_likelihood(result.confusion, task, worker, answer, given.size)
    )
    return result.posterior, free


def replay(
    votes: Votes,
    *,
    n_workers: int,
    gold: np.ndarray,
    rule: str,
    budget: int,
    round_size: int,
    limit: int = 15,
    threshold: float = 0.95,
    min_votes: int = 3,
    order: Order | None = None,
    rng: np.random.Generator | None = None,
    measure: Callable[[ReplayState], dict[str, float]] | None = None,
    on_round: Callable[[ReplayState], None] | None = None,
    model_answer: Callable[[], np.ndarray | None] | None = None,
    audit: bool = False,
) -> ReplayState:
    """Spend up to `budget` votes under `rule`; `measure` is called after every round and its dict recorded.

    `model_answer`, asked every round, gives a model's class per subject (-1: none) as one more voter for the
    posterior (never counted in `min_votes` or the budget).
    """
    if rule not in ("count", "rules", "posterior"):
        raise ValueError(f"unknown rule {rule!r}")
    n, cap = votes.answer.shape
    limit = min(limit, cap)
    method = "ds" if rule == "posterior" else "plurality"
    rng = rng or np.random.default_rng(0)
    state = ReplayState(
        given=np.zeros(n, np.int64), retired=np.zeros(n, bool),
        posterior=np.full((n, N_CLASSES), 1.0 / N_CLASSES),
    )  # fmt: skip
    while state.spent < budget:
        active = np.flatnonzero(~state.retired)
        if not active.size:
            eligible = state.retired & (state.given < limit) & (gold < 0)
            if not audit or not eligible.any():
                break
            ranked = audit_order(state.posterior, eligible)
        elif order is None:
            ranked = rng.permutation(active)  # Panoptes: any active subject, at random
        else:
            ranked = order(state.given, state.posterior, state.retired)
            ranked = ranked[~state.retired[ranked]]
        chosen = ranked[: min(round_size, budget - state.spent)]
        state.given[chosen] += 1
        state.spent += int(chosen.size)
        state.posterior, free = aggregate(
            votes, state.given, n_workers=n_workers, gold=gold, method=method,
            model_answer=None if model_answer is None else model_answer(),
        )  # fmt: skip
        counts = given_counts(votes, state.given)
        total = state.given
        done = total >= limit
        if rule == "rules":
            agreement = counts.max(axis=1) / np.maximum(total, 1)
            done |= (total >= 5) & (agreement >= 0.8)
        elif rule == "posterior":
            done |= (total >= min_votes) & (free.max(axis=1) >= threshold)
        state.retired |= done
        if on_round is not None:
            on_round(state)
        if measure is not None:
            state.curve.append({"votes": float(state.spent), **measure(state)})
    return state
