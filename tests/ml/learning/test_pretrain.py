"""Warm starts (`train(..., initial=)`) and the simulation-pretrained base network (ml.learning.pretrain)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ml.learning import ClusterNet, ModelConfig, TrainResult, predict, save_model, train
from ml.learning.pretrain import BaseRecipe, load_base, main, pretrain
from ml.learning.store import ModelFormatError, read_manifest
from ml.render import PREPROCESSING_VERSION
from tests.ml.learning.toy import TINY, tiny_config, toy_images

SHIPPED_BASE = Path(__file__).resolve().parents[3] / "data" / "models" / "simulation-base.zip"


def test_a_warm_start_begins_at_the_initial_weights_and_leaves_them_alone(
    trained: TrainResult, toy_data: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = toy_data
    before = {name: tensor.clone() for name, tensor in trained.model.state_dict().items()}
    # One epoch at a vanishing learning rate: the weights can only be where training started.
    config = tiny_config(max_epochs=1, learning_rate=1e-12, augment=False, calibrate=False)
    warm = train(images, labels, config=config, initial=trained.model)
    cold = train(images, labels, config=config)
    for name, tensor in warm.model.state_dict().items():
        if tensor.is_floating_point() and "running" not in name:
            assert torch.allclose(tensor, before[name], atol=1e-6), name
    for name, tensor in trained.model.state_dict().items():
        assert torch.equal(tensor, before[name]), f"the initial network's {name} changed"
    # The pretrained start already separates the toy classes; the random one does not.
    assert warm.val_metrics["auc"] > 0.9 > cold.val_metrics["auc"]


def test_a_warm_start_from_another_architecture_or_a_frozen_body_without_one_is_refused(
    toy_data: tuple[np.ndarray, np.ndarray],
) -> None:
    images, labels = toy_data
    other = ClusterNet(ModelConfig(input_size=16, widths=(4, 8, 8, 16), hidden=8))
    with pytest.raises(ValueError, match="architecture"):
        train(images, labels, config=tiny_config(max_epochs=1), initial=other)
    with pytest.raises(ValueError, match="freeze_body keeps the initial network's features"):
        train(images, labels, config=tiny_config(max_epochs=1, freeze_body=True))


def test_pretraining_trains_on_the_simulators_truth_and_round_trips_as_a_base(
    tmp_path: Path,
) -> None:
    recipe = BaseRecipe(survey_size=40, survey_seed=5, epochs=1)
    result = pretrain(recipe)
    assert result.model.config == ModelConfig()  # the architecture every Retrain trains
    assert len(result.curve) == 1
    path = tmp_path / "base.zip"
    save_model(result.model, path, metadata=recipe.metadata())
    base = load_base(path)
    cutouts, _ = toy_images(2, seed=0, size=64)
    assert np.allclose(
        predict(base, cutouts).cluster_prob, predict(result.model, cutouts).cluster_prob
    )


def test_a_model_file_that_is_not_a_base_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.zip"
    save_model(ClusterNet(TINY), path, metadata={"run": 1})
    with pytest.raises(ValueError, match="not a simulation-pretrained base"):
        load_base(path)


def test_the_shipped_base_serves_the_current_rendering() -> None:
    """A rendering change must come with a rebuilt base (`python -m ml.learning.pretrain`)."""
    try:
        base = load_base(SHIPPED_BASE)
    except ModelFormatError as error:
        pytest.fail(
            f"{SHIPPED_BASE} no longer loads ({error}); rebuild it for {PREPROCESSING_VERSION}"
        )
    assert base.config == ModelConfig()
    images, _ = toy_images(4, seed=0, size=64)
    assert predict(base, images).cluster_prob.shape == (4,)


def test_freezing_the_body_trains_the_heads_only(
    trained: TrainResult, toy_data: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = toy_data
    tuned = train(
        images, labels, config=tiny_config(max_epochs=2, freeze_body=True), initial=trained.model
    )
    start = trained.model.state_dict()
    for name, tensor in tuned.model.state_dict().items():
        if name.startswith("body."):
            # Weights and batch-norm statistics alike: the features are the initial network's.
            assert torch.equal(tensor, start[name]), name
    assert not torch.equal(tuned.model.cluster_head.weight, trained.model.cluster_head.weight)
    assert all(p.requires_grad for p in tuned.model.parameters())  # frozen for the run only


def test_the_command_writes_a_base_that_records_its_recipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nested" / "base.zip"
    main(["--out", str(out), "--size", "30", "--survey-seed", "9", "--epochs", "1"])
    assert f"saved {out}" in capsys.readouterr().out
    base = load_base(out)
    assert base.config == ModelConfig()
    metadata = read_manifest(out)["metadata"]
    assert metadata["kind"] == "simulation-base"
    assert (metadata["survey_size"], metadata["survey_seed"], metadata["epochs"]) == (30, 9, 1)
    assert 0.0 <= metadata["val"]["auc"] <= 1.0
