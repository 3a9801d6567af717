"""The simulated crowd: kinds, difficulty, activity, and what Dawid-Skene makes of spammers."""

import numpy as np
import pytest

from ml.crowd import skill
from ml.crowd.replay import replay
from ml.crowd.simulate import (
    HARD_RIGHT,
    KINDS,
    answer_probabilities,
    crowd_draw,
    difficulty,
    votes_draw,
)


def test_the_crowd_mixes_honest_volunteers_spammers_and_constant_answerers():
    crowd = crowd_draw(100, np.random.default_rng(0), spammer_share=0.1, constant_share=0.05)
    kinds = [KINDS[k] for k in crowd.kind]
    assert kinds.count("spammer") == 10
    assert kinds.count("constant") == 5
    np.testing.assert_allclose(crowd.confusion.sum(axis=2), 1.0)
    honest = crowd.confusion[crowd.kind == 0]
    diagonal = np.einsum("wkk->wk", honest)
    assert 0.6 < diagonal.mean() < 0.9
    assert diagonal.std() > 0.05  # skills differ between volunteers and between classes
    # A spammer's answer does not depend on the truth: information 0.
    spammer = crowd.confusion[crowd.kind == 1][0]
    assert skill.information_bits(spammer) == pytest.approx(0.0, abs=1e-9)
    assert np.mean([skill.information_bits(m) for m in honest]) > 0.2


def test_activity_is_heavy_tailed():
    crowd = crowd_draw(500, np.random.default_rng(1))
    share = np.sort(crowd.activity)[::-1]
    assert share[:50].sum() > 0.3  # the top 10 % give far more than 10 % of classifications


def test_hard_subjects_are_harder_for_everyone():
    rng = np.random.default_rng(2)
    crowd = crowd_draw(50, rng, spammer_share=0, constant_share=0)
    who = np.arange(50)
    easy = answer_probabilities(crowd, who, np.zeros(50, int), np.zeros(50))[:, 0]
    hard = answer_probabilities(crowd, who, np.zeros(50, int), np.ones(50))[:, 0]
    assert hard.mean() < easy.mean() - 0.3
    # at difficulty 1 everyone is right only HARD_RIGHT of the time, however good
    np.testing.assert_allclose(hard, HARD_RIGHT)
    z = np.array([0.1, 0.5, 1.0, np.nan])
    d = difficulty(np.array([0, 1, 1, 3]), np.random.default_rng(0), redshift=z)
    assert ((d >= 0) & (d <= 1)).all()


def test_each_volunteer_classifies_a_subject_at_most_once():
    crowd = crowd_draw(30, np.random.default_rng(3))
    votes = votes_draw(crowd, np.zeros(200, int), np.zeros(200), 15, np.random.default_rng(4))
    assert all(len(set(row)) == 15 for row in votes.volunteer.tolist())


def test_twenty_percent_spammers_cost_the_posterior_at_most_a_point():
    """The issue's target: with 20 % spammers the posterior labels stay within 1 point of no spam."""
    rng = np.random.default_rng(7)
    n, cap = 2000, 15
    truth = rng.choice(5, n, p=[0.25, 0.1, 0.15, 0.35, 0.15])
    hard = difficulty(truth, rng)
    gold = np.where(rng.random(n) < 0.05, truth, -1)
    accuracy, spent = {}, {}
    for spam in (0.0, 0.2):
        crowd = crowd_draw(200, np.random.default_rng(8), spammer_share=spam, constant_share=0.0)
        votes = votes_draw(crowd, truth, hard, cap, np.random.default_rng(9))
        state = replay(
            votes, n_workers=200, gold=gold, rule="posterior", budget=n * cap, round_size=n,
            threshold=0.999,
        )  # fmt: skip
        accuracy[spam] = (state.labels == truth)[gold < 0].mean()
        spent[spam] = state.spent
    assert accuracy[0.2] >= accuracy[0.0] - 0.01
    assert spent[0.2] > spent[0.0]  # the posterior asks for more votes when the crowd is noisier
