"""Simulated training data (through the served rendering) and simulated crowd labels."""

from __future__ import annotations

import numpy as np
import pytest

from ml.learning.dataset import confusion_matrix, noisy_volunteer_labels, simulated_dataset
from ml.learning.labels import HUNT_CLASSES, stratified_split
from ml.render import CNN_CHANNELS, render_candidate
from ml.simulate import simulate_candidate
from ml.simulate.survey import candidate_rng, plan_classes


def test_simulated_cutouts_are_what_volunteers_see() -> None:
    images, labels, meta = simulated_dataset(6, seed=5, cnn_size=32)
    assert images.shape == (6, len(CNN_CHANNELS), 32, 32)
    assert images.dtype == np.float32
    classes = plan_classes(6, 5)
    assert [HUNT_CLASSES[i] for i in labels] == classes
    for i in (0, 3):
        cand = simulate_candidate(candidate_rng(5, i), classes[i])
        expected = render_candidate(
            cand.xray, cand.optical, cnn_size=32, xray_pixel_arcsec=cand.xray_pixel_arcsec
        ).cnn
        assert expected is not None
        assert np.array_equal(images[i], expected)
    assert meta["optical_present"].all()
    clusters = np.isin(labels, (0, 1))
    assert np.isfinite(meta["redshift"][clusters]).all()
    assert np.isnan(meta["redshift"][~clusters]).all()


def test_worker_processes_give_the_same_cutouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ml.learning.dataset._CHUNK", 2)
    alone, _, _ = simulated_dataset(4, seed=6, cnn_size=16)
    parallel, _, _ = simulated_dataset(4, seed=6, cnn_size=16, workers=2)
    assert np.array_equal(alone, parallel)


def test_candidates_can_lose_their_optical_image() -> None:
    images, _, meta = simulated_dataset(4, seed=5, cnn_size=16, optical_missing_fraction=1.0)
    assert not meta["optical_present"].any()
    optical = [CNN_CHANNELS.index("optical"), CNN_CHANNELS.index("optical_present")]
    assert (images[:, optical] == 0).all()
    assert images[:, 0].max() > 0


def test_perfect_volunteers_agree_with_the_truth() -> None:
    truth = np.arange(50) % 5
    crowd = noisy_volunteer_labels(truth, np.random.default_rng(0), accuracy=1.0)
    assert np.array_equal(crowd.labels, truth)
    assert (crowd.agreement == 1.0).all()
    assert (crowd.votes.sum(axis=1) == 5).all()


def test_one_volunteer_is_right_at_the_stated_rate_and_a_crowd_more_often() -> None:
    truth = np.arange(20_000) % 5
    one = noisy_volunteer_labels(truth, np.random.default_rng(1), 0.7, n_volunteers=1)
    five = noisy_volunteer_labels(truth, np.random.default_rng(1), 0.7, n_volunteers=5)
    assert np.mean(one.labels == truth) == pytest.approx(0.7, abs=0.015)
    assert np.mean(five.labels == truth) > 0.85
    # Mistakes follow the confusion matrix: a high-z cluster is most often called a point source.
    wrong = one.labels[(truth == 1) & (one.labels != 1)]
    assert np.bincount(wrong, minlength=5).argmax() == HUNT_CLASSES.index("point")


def test_confusion_rows_are_distributions() -> None:
    matrix = confusion_matrix([0.9, 0.6, 0.8, 0.95, 0.7])
    assert np.allclose(matrix.sum(axis=1), 1.0)
    assert np.allclose(np.diag(matrix), [0.9, 0.6, 0.8, 0.95, 0.7])
    with pytest.raises(ValueError, match="accuracy"):
        confusion_matrix(1.2)


def test_stratified_split_holds_out_every_class() -> None:
    labels = np.r_[np.zeros(50), np.ones(3), np.full(10, 4)].astype(int)
    keep, held = stratified_split(labels, 0.2, np.random.default_rng(0))
    assert np.intersect1d(keep, held).size == 0
    assert np.array_equal(np.sort(np.r_[keep, held]), np.arange(labels.size))
    for cls in (0, 1, 4):
        assert (labels[held] == cls).any()
        assert (labels[keep] == cls).any()
    assert (labels[held] == 0).sum() == 10
