"""Model files: one zip with weights, config, preprocessing and metadata; refused when unusable."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ml.learning import (
    FORMAT_VERSION,
    ModelFormatError,
    TrainResult,
    load_model,
    model_to_bytes,
    predict,
    read_manifest,
    save_model,
)
from ml.render import PREPROCESSING_VERSION
from tests.ml.learning.toy import toy_images

METADATA = {"snapshot": "sha256:abc", "seed": 7, "metrics": {"auc": 0.99}}


def _rewrite(data: bytes, change: Any) -> bytes:
    """The same model file with its manifest passed through ``change`` (which edits in place)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@pytest.fixture(scope="module")
def saved(trained: TrainResult) -> bytes:
    return model_to_bytes(trained.model, metadata=METADATA)


def test_round_trip_through_bytes_gives_identical_predictions(
    trained: TrainResult, saved: bytes
) -> None:
    loaded = load_model(io.BytesIO(saved))
    images, _ = toy_images(40, seed=11)
    before = predict(trained.model, images, mc_samples=4, tta=True)
    after = predict(loaded.model, images, mc_samples=4, tta=True)
    assert np.array_equal(before.cluster_prob, after.cluster_prob)
    assert np.array_equal(before.class_probs, after.class_probs)
    assert before.mc_std is not None
    assert after.mc_std is not None
    assert np.array_equal(before.mc_std, after.mc_std)
    assert loaded.model.temperature == trained.model.temperature
    assert loaded.model.config == trained.model.config
    assert loaded.metadata == METADATA
    assert not loaded.model.training


def test_round_trip_through_a_path(trained: TrainResult, tmp_path: Path) -> None:
    path = tmp_path / "model.zip"
    save_model(trained.model, path, metadata={"note": "path"})
    assert load_model(path).metadata == {"note": "path"}
    assert load_model(path.read_bytes()).model.temperature == trained.model.temperature


def test_a_model_trained_on_the_display_stretch_rendering_is_refused(saved: bytes) -> None:
    """Models from before the physical-units input (render-v2) must be retrained, not guessed at."""
    with pytest.raises(ModelFormatError, match="retrain the model on the current rendering"):
        load_model(saved, preprocessing_version="render-v2:asinh(a=0.1)/zscale(n=1000,c=0.25)")
    assert PREPROCESSING_VERSION.startswith("render-v3")


def test_manifest_describes_the_model(trained: TrainResult, saved: bytes) -> None:
    manifest = read_manifest(saved)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["preprocessing"] == {
        "version": PREPROCESSING_VERSION,
        "channels": ["xray", "xray_centre", "xray_coverage", "optical", "optical_present"],
        "input_size": 16,
    }
    assert manifest["architecture"]["widths"] == list(trained.model.config.widths)
    assert manifest["temperature"] == trained.model.temperature


def test_same_model_same_bytes(trained: TrainResult, saved: bytes) -> None:
    assert model_to_bytes(trained.model, metadata=METADATA) == saved


def test_a_newer_format_version_is_refused(saved: bytes) -> None:
    newer = _rewrite(saved, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ModelFormatError, match="newer"):
        load_model(newer)


@pytest.mark.parametrize("version", [0, "1", None, True])
def test_an_unknown_format_version_is_refused(saved: bytes, version: object) -> None:
    with pytest.raises(ModelFormatError, match="format version"):
        load_model(_rewrite(saved, lambda m: m.update(format_version=version)))


def test_a_model_trained_on_another_rendering_is_refused(saved: bytes) -> None:
    def other_rendering(manifest: dict[str, Any]) -> None:
        manifest["preprocessing"]["version"] = "render-v0:linear"

    with pytest.raises(ModelFormatError, match="preprocessing mismatch"):
        load_model(_rewrite(saved, other_rendering))
    # ...and so is a current file when the caller renders differently.
    with pytest.raises(ModelFormatError, match="preprocessing mismatch"):
        load_model(saved, preprocessing_version="render-v2")


def test_other_channels_or_classes_are_refused(saved: bytes) -> None:
    def two_channels(manifest: dict[str, Any]) -> None:
        manifest["preprocessing"]["channels"] = ["xray", "optical"]

    with pytest.raises(ModelFormatError, match="channel"):
        load_model(_rewrite(saved, two_channels))
    with pytest.raises(ModelFormatError, match="class"):
        load_model(_rewrite(saved, lambda m: m.update(classes=["cluster", "other"])))


def test_tampered_weights_are_refused(saved: bytes) -> None:
    with pytest.raises(ModelFormatError, match="checksum"):
        load_model(_rewrite(saved, lambda m: m["weights"].update(sha256="0" * 64)))


def test_weights_that_do_not_fit_the_architecture_are_refused(saved: bytes) -> None:
    def wider(manifest: dict[str, Any]) -> None:
        manifest["architecture"]["hidden"] += 1

    with pytest.raises(ModelFormatError, match="architecture"):
        load_model(_rewrite(saved, wider))


def test_files_that_are_not_models_are_refused(saved: bytes) -> None:
    with pytest.raises(ModelFormatError, match="not a zip"):
        load_model(b"SIMPLE  =                    T")
    with pytest.raises(ModelFormatError, match="not a zip"):
        load_model(saved[: len(saved) // 2])  # truncated upload
    with pytest.raises(ModelFormatError, match="format"):
        load_model(_rewrite(saved, lambda m: m.update(format="keras")))
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("weights.npz", b"")
    with pytest.raises(ModelFormatError, match=r"no manifest\.json"):
        load_model(empty.getvalue())


def test_metadata_must_be_json(trained: TrainResult) -> None:
    with pytest.raises(ValueError, match="JSON"):
        model_to_bytes(trained.model, metadata={"when": object()})
