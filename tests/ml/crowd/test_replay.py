"""The replay's model voter, and the label-side acquisition (expected gain in label accuracy)."""

import numpy as np
import pytest

from ml.crowd import acquisition
from ml.crowd.replay import ReplayState, aggregate, replay
from ml.crowd.simulate import crowd_draw, difficulty, votes_draw


def _votes(n: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray, object]:
    rng = np.random.default_rng(seed)
    truth = rng.choice(5, n, p=[0.25, 0.1, 0.15, 0.35, 0.15])
    gold = np.where(rng.random(n) < 0.05, truth, -1)
    crowd = crowd_draw(100, rng, spammer_share=0.05, constant_share=0.05)
    votes = votes_draw(crowd, truth, difficulty(truth, rng), 15, rng)
    return truth, gold, votes


def test_a_good_model_voter_sharpens_the_posterior_and_a_missing_one_changes_nothing() -> None:
    truth, gold, votes = _votes()
    given = np.full(truth.size, 2)
    _plain, plain_free = aggregate(votes, given, n_workers=100, gold=gold, method="ds")  # type: ignore[arg-type]
    _none, none_free = aggregate(
        votes, given, n_workers=100, gold=gold, method="ds",  # type: ignore[arg-type]
        model_answer=np.full(truth.size, -1),
    )  # fmt: skip
    np.testing.assert_allclose(none_free, plain_free)
    rng = np.random.default_rng(0)
    right_90 = np.where(rng.random(truth.size) < 0.9, truth, rng.integers(0, 5, truth.size))
    _, helped = aggregate(
        votes, given, n_workers=100, gold=gold, method="ds", model_answer=right_90,  # type: ignore[arg-type]
    )  # fmt: skip
    free = gold < 0
    assert (helped.argmax(1) == truth)[free].mean() > (plain_free.argmax(1) == truth)[free].mean()


def test_the_replay_asks_the_model_every_round_and_never_counts_it_as_a_vote() -> None:
    truth, gold, votes = _votes(200)
    calls: list[int] = []

    def model() -> np.ndarray:
        calls.append(1)
        return truth.copy()

    state = replay(
        votes, n_workers=100, gold=gold, rule="posterior", budget=200 * 15,  # type: ignore[arg-type]
        round_size=200, threshold=0.995, min_votes=3, model_answer=model,
    )  # fmt: skip
    assert len(calls) == len(state.curve) or not state.curve  # once per round
    assert (
        state.given[state.retired & (state.given < 15)] >= 3
    ).all()  # min_votes counts people only
    assert state.spent == int(state.given.sum())


def test_label_gain_is_largest_without_votes_and_zero_when_sure() -> None:
    confusion = np.full((5, 5), 0.05) + 0.75 * np.eye(5)
    posterior = np.array(
        [[0.2] * 5, [0.6, 0.4, 0, 0, 0], [1.0, 0, 0, 0, 0], [0.97, 0.03, 0, 0, 0]], dtype=float
    )
    gain = acquisition.label_gain(posterior, confusion)
    assert gain[0] > gain[1] > 0.1
    # Sure, or so nearly sure that one vote cannot change the label: nothing to gain.
    np.testing.assert_allclose(gain[2:], 0.0, atol=1e-12)
    # Against a direct enumeration of the next answer.
    pi = posterior[1]
    expected = sum(
        (pi * confusion[:, a]).sum() * (pi * confusion[:, a]).max() / (pi * confusion[:, a]).sum()
        for a in range(5)
    )
    assert gain[1] == pytest.approx(expected - pi.max())


def test_the_pooled_confusion_recovers_the_crowds_accuracy() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 5, 3000)
    answer = np.where(rng.random(3000) < 0.7, truth, rng.integers(0, 5, 3000))
    posterior = np.eye(5)[truth]
    pooled = acquisition.pooled_confusion(posterior, np.arange(3000), answer)
    np.testing.assert_allclose(pooled.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.diag(pooled), 0.7 + 0.3 / 5, atol=0.04)


def test_the_audit_orders_the_least_certain_first_and_skips_the_ineligible() -> None:
    posterior = np.array(
        [[0.99, 0.01, 0, 0, 0], [0.6, 0.4, 0, 0, 0], [0.8, 0.2, 0, 0, 0], [0.5, 0.5, 0, 0, 0]]
    )
    eligible = np.array([True, True, True, False])
    assert acquisition.audit_order(posterior, eligible).tolist() == [1, 2, 0]


def test_with_the_audit_a_fully_retired_arm_spends_its_budget_on_the_least_certain() -> None:
    truth, gold, votes = _votes(300)

    def run(audit: bool) -> ReplayState:
        return replay(
            votes, n_workers=100, gold=gold, rule="posterior", budget=300 * 15,  # type: ignore[arg-type]
            round_size=15, threshold=0.95, min_votes=3, audit=audit,
        )  # fmt: skip

    plain, audited = run(False), run(True)
    assert plain.retired.all()
    assert plain.spent < 300 * 15  # without the audit it stops once every subject retired
    # Identical until the last subject retires, then it keeps spending, never on gold or past the limit.
    np.testing.assert_array_equal(
        [p["votes"] for p in audited.curve[: len(plain.curve)]], [p["votes"] for p in plain.curve]
    )
    assert audited.spent > plain.spent
    assert audited.given.max() <= 15
    np.testing.assert_array_equal(audited.given[gold >= 0], plain.given[gold >= 0])
    # The extra votes went where the label was least sure: those subjects' labels got better.
    extra = audited.given > plain.given
    free = gold < 0
    assert extra.any()
    right_before = (plain.labels == truth)[extra & free].mean()
    right_after = (audited.labels == truth)[extra & free].mean()
    assert right_after > right_before
