"""ml.latent: k-NN against brute force, PCA, Spearman against scipy, anomalies, the file, the embeddings."""

import numpy as np
import pytest
import torch
from scipy import stats

from ml.latent.anomaly import anomaly_scores
from ml.latent.correlate import spearman
from ml.latent.neighbours import CosineIndex, neighbour_purity, unit_rows
from ml.latent.projection import pca
from ml.latent.space import LatentFormatError, build_space, space_load, space_to_bytes
from ml.learning.augment import dihedral
from ml.learning.model import ClusterNet, ModelConfig
from ml.learning.predict import predict


def _brute(unit: np.ndarray, row: int, k: int) -> list[int]:
    scores = unit @ unit[row]
    scores[row] = -np.inf
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


@pytest.mark.parametrize("k", [1, 5, 10, 49])
def test_knn_matches_brute_force_cosine(k: int) -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(500, 16)) * rng.uniform(
        0.1, 10, size=(500, 1)
    )  # lengths must not matter
    ids = np.arange(1000, 1500)
    index = CosineIndex(ids, unit_rows(vectors))
    for row in (0, 17, 499):
        found = index.query_subject(int(ids[row]), k)
        assert found is not None
        assert found.rows.tolist() == _brute(index.unit, row, k)
        assert np.all(np.diff(found.similarity) <= 0)
        expected = vectors[found.rows] @ vectors[row]
        expected /= np.linalg.norm(vectors[found.rows], axis=1) * np.linalg.norm(vectors[row])
        np.testing.assert_allclose(found.similarity, expected, rtol=1e-5, atol=1e-6)


def test_knn_never_returns_the_subject_itself_and_caps_k() -> None:
    index = CosineIndex(np.array([5, 6, 7]), unit_rows(np.eye(3)))
    found = index.query_subject(6, 10)
    assert found is not None
    assert sorted(index.ids[found.rows].tolist()) == [5, 7]
    assert index.query_subject(99, 3) is None
    with pytest.raises(ValueError, match="k must be"):
        index.query_vector(np.ones(3), 0)


def test_neighbour_purity_is_one_for_separated_classes_and_about_the_base_rate_for_noise() -> None:
    rng = np.random.default_rng(2)
    centres = np.where(np.arange(400)[:, None] < 100, 5.0, -5.0) * np.eye(8)[0]
    separated = unit_rows(centres + rng.normal(size=(400, 8)))
    positive = np.arange(400) < 100
    assert neighbour_purity(separated, positive, 10) == pytest.approx(1.0)
    noise = unit_rows(rng.normal(size=(400, 8)))
    assert 0.1 < neighbour_purity(noise, positive, 10) < 0.4  # base rate 0.25


def test_pca_finds_the_axes_of_largest_variance() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2000, 5)) * np.array([10.0, 3.0, 1.0, 0.5, 0.1])
    projection = pca(x, 3)
    assert np.abs(projection.components[0]) == pytest.approx([1, 0, 0, 0, 0], abs=0.02)
    assert np.abs(projection.components[1]) == pytest.approx([0, 1, 0, 0, 0], abs=0.02)
    eigen = np.sort(np.linalg.eigvalsh(np.cov(x.T)))[::-1]
    np.testing.assert_allclose(projection.explained, eigen[:3] / eigen.sum(), rtol=1e-6)
    np.testing.assert_allclose(projection.transform(x), projection.coords, atol=1e-9)


def test_spearman_matches_scipy_with_ties_and_missing_values() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=300)
    v = np.round(a**3 + rng.normal(scale=0.5, size=300), 1)  # monotonic, with ties
    v[::7] = np.nan
    keep = np.isfinite(v)
    expected = stats.spearmanr(a[keep], v[keep])
    result = spearman(a, v)
    assert result.n == keep.sum()
    assert result.rho == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-6)
    assert spearman(a[:5], v[:5]).rho is None  # too few pairs
    assert spearman(a, np.ones_like(a)).rho is None  # a constant


def test_the_isolation_forest_ranks_planted_outliers_first() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1000, 8))
    x[[10, 500]] = 12.0
    scores = anomaly_scores(x, seed=0)
    assert set(np.argsort(-scores)[:2].tolist()) == {10, 500}


def test_a_space_round_trips_through_its_file_and_bad_files_are_refused() -> None:
    rng = np.random.default_rng(6)
    ids = rng.permutation(np.arange(1, 301))
    space = build_space(ids, rng.normal(size=(300, 12)))
    assert space.ids.tolist() == list(range(1, 301))  # sorted, rows with them
    loaded = space_load(space_to_bytes(space))
    np.testing.assert_array_equal(loaded.ids, space.ids)
    np.testing.assert_allclose(loaded.unit, space.unit, atol=1e-3)  # float16 storage
    np.testing.assert_allclose(np.linalg.norm(loaded.unit, axis=1), 1.0, atol=2e-3)
    np.testing.assert_array_equal(loaded.anomaly, space.anomaly)
    with pytest.raises(LatentFormatError):
        space_load(b"not a file")
    with pytest.raises(ValueError, match="repeat"):
        build_space(np.array([1, 1, 2]), np.ones((3, 2)))


def test_predict_returns_the_penultimate_layer_in_the_same_pass() -> None:
    torch.manual_seed(0)
    model = ClusterNet(ModelConfig(input_size=16, widths=(4, 8), hidden=12)).eval()
    images = np.random.default_rng(7).normal(size=(5, 5, 16, 16)).astype(np.float32)
    output = predict(model, images, embed=True)
    assert output.embeddings is not None
    assert output.embeddings.shape == (5, 12)
    with torch.inference_mode():
        expected = model.embed(model.features(torch.from_numpy(images))).numpy()
    np.testing.assert_allclose(output.embeddings, expected, rtol=1e-4, atol=1e-5)
    # With TTA the embedding is averaged over the eight symmetries: a mirrored cutout embeds the same.
    mirrored = dihedral(torch.from_numpy(images), 5).numpy()
    a = predict(model, images, embed=True, tta=True).embeddings
    b = predict(model, mirrored, embed=True, tta=True).embeddings
    assert a is not None
    assert b is not None
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert predict(model, images).embeddings is None
