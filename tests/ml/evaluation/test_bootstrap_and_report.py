"""The vectorised bootstrap agrees with a plain per-resample computation; the report is complete JSON."""

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from ml.evaluation import bootstrap_roc, multiclass_confusion, score_report, stratum_summary
from ml.evaluation.bootstrap import CHUNK
from ml.metrics import tpr_at_fpr


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.3).astype(int)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.2), 0, 1).round(3)  # with ties
    return scores, labels


def test_each_resample_equals_scikit_learn_on_the_same_resampled_data() -> None:
    scores, labels = _data(300)
    boot = bootstrap_roc(scores, labels, resamples=CHUNK + 3, seed=5)
    # Replay the draws: per chunk, positives' indices then negatives' (stratified resampling).
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    rng = np.random.default_rng(5)
    checked = 0
    for start in range(0, CHUNK + 3, CHUNK):
        rows = min(CHUNK, CHUNK + 3 - start)
        draws_p = rng.integers(0, pos.size, (rows, pos.size))
        draws_n = rng.integers(0, neg.size, (rows, neg.size))
        for r in (0, rows - 1):
            idx = np.r_[pos[draws_p[r]], neg[draws_n[r]]]
            s, y = scores[idx], labels[idx]
            assert boot.auc[start + r] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
            fpr, tpr, _ = roc_curve(y, s)
            for target, values in boot.tpr_at_fpr.items():
                assert values[start + r] == pytest.approx(float(tpr[fpr <= target].max()))
                assert values[start + r] == pytest.approx(tpr_at_fpr(s, y, target))
            checked += 1
    assert checked == 4


def test_intervals_cover_the_estimate_and_narrow_with_more_data() -> None:
    small = score_report(*_data(200), resamples=400, seed=1)
    large = score_report(*_data(5000), resamples=400, seed=1)
    for report in (small, large):
        low, high = report["auc_ci"]
        assert low <= report["auc"] <= high
    assert large["auc_ci"][1] - large["auc_ci"][0] < small["auc_ci"][1] - small["auc_ci"][0]


def test_the_report_holds_every_number_and_serialises_as_json() -> None:
    scores, labels = _data(500)
    report = score_report(scores, labels, threshold=0.5, resamples=50)
    json.dumps(report, allow_nan=False)
    assert report["n"] == 500
    assert report["positives"] == labels.sum()
    c = report["confusion"]
    assert c["tp"] + c["fn"] == report["positives"]
    assert c["fp"] + c["tn"] == report["negatives"]
    assert report["auc"] == pytest.approx(roc_auc_score(labels, scores))
    assert list(report["tpr_at_fpr"]) == ["fpr_01", "fpr_05", "fpr_10"]
    assert len(report["grid"]["tp"]) == 501
    assert report["grid"]["tp"][250] == c["tp"]  # grid[250] is the 0.5 threshold
    assert len(report["roc_band"]["tpr_low"]) == 101
    assert sum(report["reliability"]["counts"]) == 500
    assert 0 <= report["ece"] <= 1
    assert 0 <= report["brier"] <= 1


def test_one_class_only_gives_rates_without_auc() -> None:
    report = score_report([0.2, 0.9, 0.7], [1, 1, 1], resamples=100)
    assert report["auc"] is None
    assert "roc" not in report
    assert report["tpr"] == pytest.approx(2 / 3)
    assert report["fpr"] is None
    json.dumps(report, allow_nan=False)
    with pytest.raises(ValueError, match="positive and one negative"):
        bootstrap_roc([0.2, 0.9], [1, 1])


def test_a_stratum_summary_counts_its_own_subjects() -> None:
    summary = stratum_summary([0.9, 0.1, 0.6], [1, 0, 0], threshold=0.5)
    assert summary["confusion"] == {"tp": 1, "fp": 1, "tn": 1, "fn": 0}
    assert summary["auc"] == 1.0


def test_the_five_class_matrix_counts_pairs() -> None:
    assert multiclass_confusion([0, 0, 1, 4], [0, 3, 1, 4], 5) == [
        [1, 0, 0, 1, 0],
        [0, 1, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 1],
    ]
    with pytest.raises(ValueError, match="class indices"):
        multiclass_confusion([5], [0], 5)
