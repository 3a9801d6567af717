"""Online skill from gold, one subject's posterior, the spam rule, threshold calibration and BALD."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ml.crowd import acquisition, skill


def test_a_newcomer_is_assumed_right_two_times_in_three_and_gold_moves_that():
    fresh = skill.confusion_from_counts(np.zeros((5, 5)))
    np.testing.assert_allclose(np.diag(fresh), 2 / 3)
    counts = np.zeros((5, 5))
    for _ in range(10):
        counts = skill.gold_counts_update(counts, true_class=3, answer=3)
    counts = skill.gold_counts_update(counts, true_class=2, answer=3)
    learnt = skill.confusion_from_counts(counts)
    assert learnt[3, 3] > 0.9
    assert learnt[2, 2] < fresh[2, 2]
    np.testing.assert_allclose(learnt.sum(axis=1), 1.0)


def test_the_posterior_follows_the_skilled_voter():
    good = skill.confusion_from_counts(np.eye(5) * 50)
    spam = np.full((5, 5), 0.2)
    posterior = skill.subject_posterior(
        np.array([3, 2, 2]), np.stack([good, spam, spam]), np.full(5, 0.2)
    )
    assert posterior.argmax() == 3
    down = skill.subject_posterior(
        np.array([3, 2]), np.stack([good, good]), np.full(5, 0.2), weights=np.array([1.0, 0.1])
    )
    assert down.argmax() == 3
    assert skill.cluster_probability(np.array([0.1, 0.2, 0.3, 0.4, 0.0])) == pytest.approx(0.3)


def test_the_spam_rule_flags_constant_and_uninformative_volunteers_but_only_down_weights():
    assert skill.spam_weight(np.array([1, 30, 0, 0, 0]), 0, 0) == skill.SpamVerdict(0.1, "constant")
    assert skill.spam_weight(np.array([10, 10, 10, 10, 10]), 20, 4).flag == "uninformative"
    assert skill.spam_weight(np.array([10, 10, 10, 10, 10]), 20, 15) == skill.SpamVerdict(1.0, "")
    assert skill.spam_weight(np.array([0, 5, 0, 0, 0]), 0, 0).flag == ""  # too few to judge
    assert skill.SPAM_WEIGHT > 0  # never deleted


def test_the_calibrated_threshold_reaches_the_target_on_gold():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.5, 1.0, 2000)
    correct = rng.random(2000) < confidence  # calibrated: right as often as it says
    threshold = skill.calibrate_threshold(confidence, correct, target_accuracy=0.95)
    assert threshold is not None
    assert correct[confidence >= threshold].mean() >= 0.95
    assert skill.calibrate_threshold(confidence, np.zeros(2000, bool), target_accuracy=0.9) is None


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (8, 12), elements=st.floats(0, 1)))
def test_bald_lies_between_zero_and_the_entropy_of_the_mean(samples):
    info = acquisition.bald(samples)
    assert ((info >= 0) & (info <= acquisition.binary_entropy(samples.mean(axis=0)) + 1e-9)).all()


def test_bald_is_zero_when_samples_agree_even_on_fifty_fifty():
    agree = np.full((10, 3), 0.5)
    np.testing.assert_allclose(acquisition.bald(agree), 0.0, atol=1e-12)
    disagree = np.tile(np.array([[0.01], [0.99]]), (5, 3))
    assert (acquisition.bald(disagree) > 0.8).all()


def test_priorities_keep_the_never_prioritised_sample_and_each_stream():
    rng = np.random.default_rng(1)
    n = 1000
    info = rng.random(n)
    p = rng.random(n)
    places = rng.random(n)
    never = rng.random(n) < 0.05
    priority, stream = acquisition.priorities(
        information=info, cluster_probability=p, draws=rng.random(n), places=places, never=never
    )
    np.testing.assert_array_equal(priority[never], places[never])
    assert set(np.unique(stream)) == {0, 1, 2, 3}
    bald_stream = stream == 0
    # Within the BALD stream, more informative comes first (ascending priority).
    order = np.argsort(priority[bald_stream])
    assert (np.diff(info[bald_stream][order]) <= 1e-12).all()
    assert ((priority >= 0) & (priority < 1)).all()


def _rates(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> tuple[float, float]:
    above = confidence >= threshold
    return float(above[correct].mean()), float(above[~correct].mean())


def test_a_target_fpr_gives_the_lowest_threshold_that_meets_it():
    rng = np.random.default_rng(1)
    confidence = 1.0 - 10 ** rng.uniform(-4.5, -0.35, 400)
    correct = rng.random(400) < confidence
    cal = skill.calibrate_rates(confidence, correct, target_fpr=0.1)
    assert cal.threshold is not None
    assert cal.met
    tpr, fpr = _rates(confidence, correct, cal.threshold)
    assert (cal.tpr, cal.fpr) == pytest.approx((tpr, fpr))
    assert fpr <= 0.1
    lower = skill.RATE_GRID[cal.threshold > skill.RATE_GRID]
    assert all(_rates(confidence, correct, t)[1] > 0.1 for t in lower)  # none lower meets it
    assert (cal.gold, cal.wrong) == (400, int((~correct).sum()))
    # A stricter FPR costs TPR; a TPR target alone takes the highest threshold that keeps it.
    strict = skill.calibrate_rates(confidence, correct, target_fpr=0.02)
    assert strict.threshold is not None
    assert strict.threshold > cal.threshold
    assert strict.tpr is not None
    assert cal.tpr is not None
    assert strict.tpr < cal.tpr
    by_tpr = skill.calibrate_rates(confidence, correct, target_tpr=0.8)
    assert by_tpr.threshold is not None
    assert by_tpr.tpr is not None
    assert by_tpr.tpr >= 0.8
    higher = skill.RATE_GRID[by_tpr.threshold < skill.RATE_GRID]
    assert all(_rates(confidence, correct, t)[0] < 0.8 for t in higher)
    both = skill.calibrate_rates(confidence, correct, target_fpr=0.02, target_tpr=0.99)
    assert both.threshold == strict.threshold
    assert not both.met
    assert "TPR" in both.note


def test_too_little_gold_or_a_bad_target_calibrates_nothing():
    confidence = np.linspace(0.6, 1.0, 30)
    few_wrong = np.arange(30) > 2  # three wrong labels
    cal = skill.calibrate_rates(confidence, few_wrong, target_fpr=0.05)
    assert cal.threshold is None
    assert not cal.met
    assert "wrong" in cal.note
    assert (
        skill.calibrate_rates(confidence[:10], few_wrong[:10] * 0, target_fpr=0.05).threshold
        is None
    )
    with pytest.raises(ValueError, match="target"):
        skill.calibrate_rates(confidence, few_wrong)
    with pytest.raises(ValueError, match="target_fpr"):
        skill.calibrate_rates(confidence, few_wrong, target_fpr=1.5)
