"""Dawid-Skene: agreement with crowd-kit, gold clamping, weights, and properties on random vote sets."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.crowd.dawid_skene import dawid_skene
from ml.crowd.simulate import crowd_draw, difficulty, votes_draw


def fixed_votes(
    seed: int = 3, n: int = 800, votes: int = 5, volunteers: int = 60
) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    crowd = crowd_draw(volunteers, rng, spammer_share=0.1, constant_share=0.05)
    truth = rng.choice(5, n, p=[0.25, 0.1, 0.15, 0.35, 0.15])
    drawn = votes_draw(crowd, truth, difficulty(truth, rng), votes, rng)
    task = np.repeat(np.arange(n), votes)
    gold = np.full(n, -1)
    picked = rng.choice(n, n // 20, replace=False)
    gold[picked] = truth[picked]
    return task, drawn.volunteer.ravel(), drawn.answer.ravel(), truth, gold


def test_agrees_with_crowd_kit_on_a_fixed_data_set():
    pd = pytest.importorskip("pandas")
    crowdkit = pytest.importorskip("crowdkit.aggregation")
    task, worker, label, truth, gold = fixed_votes()
    known = np.flatnonzero(gold >= 0)
    frame = pd.DataFrame({"task": task, "worker": worker, "label": label})
    theirs = crowdkit.DawidSkene(n_iter=100).fit(
        frame, true_labels=pd.Series(gold[known], index=known)
    )
    ours = dawid_skene(task, worker, label, n_tasks=truth.size, n_workers=60, gold=gold)
    probas = theirs.probas_.reindex(index=range(truth.size), columns=range(5)).to_numpy()
    assert ours.iterations == len(theirs.loss_history_)
    assert (probas.argmax(axis=1) == ours.labels).mean() >= 0.999
    assert np.abs(probas - ours.posterior).max() < 1e-4


def test_beats_the_plurality_vote_on_a_mixed_crowd():
    task, worker, label, truth, gold = fixed_votes(seed=5, votes=7)
    ours = dawid_skene(task, worker, label, n_tasks=truth.size, n_workers=60, gold=gold)
    counts = np.zeros((truth.size, 5))
    np.add.at(counts, (task, label), 1)
    free = gold < 0
    assert (ours.labels == truth)[free].mean() > (counts.argmax(axis=1) == truth)[free].mean()


def test_gold_subjects_are_clamped_and_unvoted_ones_get_the_prior():
    task = np.array([0, 0, 1, 1])
    worker = np.array([0, 1, 0, 1])
    label = np.array([3, 3, 2, 3])
    gold = np.array([4, -1, -1])
    result = dawid_skene(task, worker, label, n_tasks=3, n_workers=2, gold=gold)
    assert result.posterior[0].tolist() == [0, 0, 0, 0, 1]
    np.testing.assert_allclose(result.posterior[2], result.prior)


def test_a_zero_weight_volunteer_does_not_move_the_posterior():
    task = np.array([0, 0, 0])
    worker = np.array([0, 1, 2])
    label = np.array([3, 3, 0])
    weight = np.array([1.0, 1.0, 0.0])
    with_third = dawid_skene(
        task, worker, label, n_tasks=1, n_workers=3, worker_weight=weight, pseudo_diagonal=2
    )
    without = dawid_skene(
        task[:2], worker[:2], label[:2], n_tasks=1, n_workers=3, pseudo_diagonal=2
    )
    assert with_third.labels[0] == without.labels[0] == 3


def test_rejects_malformed_votes():
    with pytest.raises(ValueError, match="label"):
        dawid_skene(np.array([0]), np.array([0]), np.array([7]), n_tasks=1, n_workers=1)
    with pytest.raises(ValueError, match="gold"):
        dawid_skene(
            np.array([0]),
            np.array([0]),
            np.array([1]),
            n_tasks=1,
            n_workers=1,
            gold=np.array([1, 2]),
        )


votes_strategy = st.lists(
    st.tuples(st.integers(0, 9), st.integers(0, 5), st.integers(0, 4)), min_size=1, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(votes_strategy, st.floats(0, 2))
def test_posteriors_are_distributions_and_confusions_rows_sum_to_one(votes, pseudo):
    task, worker, label = (np.array(column) for column in zip(*votes, strict=True))
    result = dawid_skene(task, worker, label, n_tasks=10, n_workers=6, pseudo_count=pseudo)
    np.testing.assert_allclose(result.posterior.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(result.confusion.sum(axis=2), 1.0, atol=1e-9)
    assert (result.posterior >= 0).all()
    assert np.isfinite(result.elbo).all()


@settings(max_examples=40, deadline=None)
@given(votes_strategy, st.randoms(use_true_random=False))
def test_renaming_volunteers_changes_nothing(votes, random):
    task, worker, label = (np.array(column) for column in zip(*votes, strict=True))
    permutation = np.array(random.sample(range(6), 6))
    a = dawid_skene(task, worker, label, n_tasks=10, n_workers=6, pseudo_diagonal=1)
    b = dawid_skene(task, permutation[worker], label, n_tasks=10, n_workers=6, pseudo_diagonal=1)
    np.testing.assert_allclose(a.posterior, b.posterior, atol=1e-9)
