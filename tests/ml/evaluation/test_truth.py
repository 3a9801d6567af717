"""The truth rule on every case."""

from ml.evaluation import NEGATIVE, POSITIVE, UNKNOWN, truth_from_evidence


def test_truth_rule_positive_negative_unknown_and_conflict() -> None:
    matched = [True, False, False, True]
    rejected = [False, True, False, True]
    truth, conflict = truth_from_evidence(matched, rejected)
    assert truth.tolist() == [POSITIVE, NEGATIVE, UNKNOWN, POSITIVE]
    assert conflict.tolist() == [False, False, False, True]
