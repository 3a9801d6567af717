"""One self-describing file per model: weights, architecture, preprocessing, temperature, metadata.

The file is a zip archive (so any tool can list it) with two members:

* ``manifest.json``: ``format`` ("cluster-hunt-cnn"), ``format_version``, ``architecture`` (the
  :class:`ModelConfig`), ``preprocessing`` (``version``, ``channels``, ``input_size``: what
  ``ml.render.cnn_input`` must produce for these weights), ``classes`` (the 5-class head's order),
  ``temperature``, ``weights`` (member name, SHA-256, parameter count), ``torch_version`` and the
  caller's ``metadata`` (snapshot hash, seed, metrics...).
* ``weights.npz``: the state dict as plain numpy arrays. Loading never unpickles anything, so a
  model file from an untrusted upload cannot execute code.

Everything works on bytes (``io.BytesIO``) as well as paths, so Django storage can hold the file.
A file this code can't serve correctly (another format, a newer format version, or weights
trained on a different rendering) is refused with :class:`ModelFormatError`, never guessed at.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch

from ml.learning.labels import HUNT_CLASSES
from ml.learning.model import ClusterNet, ModelConfig
from ml.render import CNN_CHANNELS, PREPROCESSING_VERSION

FORMAT = "cluster-hunt-cnn"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
WEIGHTS = "weights.npz"
# Generous caps (the real sizes are ~5 kB and ~0.3 MB) that stop a crafted archive from
# inflating to gigabytes in memory before anything is checked.
_MAX_MANIFEST_BYTES = 1 << 20
_MAX_WEIGHTS_BYTES = 256 << 20

Source = str | Path | bytes | IO[bytes]
Target = str | Path | IO[bytes]


class ModelFormatError(ValueError):
    """The file is not a model this code can load, with the reason in the message."""


@dataclass(frozen=True, eq=False)
class LoadedModel:
    model: ClusterNet  # in eval mode, temperature set
    metadata: dict[str, Any]
    manifest: dict[str, Any]


def _state_arrays(model: ClusterNet) -> dict[str, np.ndarray]:
    return {
        name: np.ascontiguousarray(tensor.detach().cpu().numpy())
        for name, tensor in model.state_dict().items()
    }


def save_model(
    model: ClusterNet, target: Target, *, metadata: Mapping[str, Any] | None = None
) -> None:
    """Write ``model`` (weights, config, temperature) and JSON ``metadata`` as one zip file."""
    if not (math.isfinite(model.temperature) and model.temperature > 0):
        raise ValueError(f"temperature must be positive and finite, got {model.temperature}")
    weights = io.BytesIO()
    np.savez(weights, allow_pickle=False, **_state_arrays(model))
    weight_bytes = weights.getvalue()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": model.config.to_json(),
        "preprocessing": {
            "version": PREPROCESSING_VERSION,
            "channels": list(CNN_CHANNELS),
            "input_size": model.config.input_size,
        },
        "classes": list(HUNT_CLASSES),
        "temperature": float(model.temperature),
        "weights": {
            "member": WEIGHTS,
            "sha256": hashlib.sha256(weight_bytes).hexdigest(),
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        "torch_version": torch.__version__,
        "metadata": dict(metadata or {}),
    }
    try:
        manifest_text = json.dumps(manifest, indent=2, sort_keys=True)
    except TypeError as exc:
        raise ValueError(f"metadata must be JSON-serialisable: {exc}") from exc
    # Fixed timestamps make the bytes a function of the content alone.
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in ((MANIFEST, manifest_text.encode()), (WEIGHTS, weight_bytes)):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def model_to_bytes(model: ClusterNet, *, metadata: Mapping[str, Any] | None = None) -> bytes:
    buffer = io.BytesIO()
    save_model(model, buffer, metadata=metadata)
    return buffer.getvalue()


def _open(source: Source) -> zipfile.ZipFile:
    handle: Any = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        return zipfile.ZipFile(handle)
    except zipfile.BadZipFile as exc:  # a missing file stays FileNotFoundError
        raise ModelFormatError(f"not a {FORMAT} model file (not a zip archive): {exc}") from exc


def _member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ModelFormatError(f"model file has no {name}") from None
    if info.file_size > limit:
        raise ModelFormatError(f"{name} declares {info.file_size} bytes, more than {limit}")
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelFormatError(f"{name} is corrupt: {exc}") from exc


def _check_manifest(manifest: Any, preprocessing_version: str) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ModelFormatError(f"not a {FORMAT} model file (format {found!r})")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFormatError(f"unknown format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFormatError(
            f"model file format version {version} is newer than this code reads "
            f"({FORMAT_VERSION}); upgrade Cluster Hunt to load it"
        )
    prep = manifest.get("preprocessing")
    if not isinstance(prep, dict):
        raise ModelFormatError("manifest has no preprocessing section")
    if prep.get("version") != preprocessing_version:
        raise ModelFormatError(
            "preprocessing mismatch: the model was trained on cutouts rendered as "
            f"{prep.get('version')!r}, but this code renders {preprocessing_version!r}; "
            "retrain the model on the current rendering"
        )
    if prep.get("channels") != list(CNN_CHANNELS):
        raise ModelFormatError(
            f"channel mismatch: model expects {prep.get('channels')}, input has {list(CNN_CHANNELS)}"
        )
    if manifest.get("classes") != list(HUNT_CLASSES):
        raise ModelFormatError(
            f"class mismatch: model predicts {manifest.get('classes')}, expected {list(HUNT_CLASSES)}"
        )
    temperature = manifest.get("temperature")
    if not isinstance(temperature, int | float) or not (
        math.isfinite(temperature) and temperature > 0
    ):
        raise ModelFormatError(f"invalid temperature {temperature!r}")


def _parse_manifest(archive: zipfile.ZipFile, preprocessing_version: str) -> dict[str, Any]:
    raw = _member(archive, MANIFEST, _MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{MANIFEST} is not valid JSON: {exc}") from exc
    _check_manifest(manifest, preprocessing_version)
    result: dict[str, Any] = manifest
    return result


def read_manifest(
    source: Source, *, preprocessing_version: str = PREPROCESSING_VERSION
) -> dict[str, Any]:
    """The checked manifest without building the model (for listings and admin pages)."""
    with _open(source) as archive:
        return _parse_manifest(archive, preprocessing_version)


def load_model(
    source: Source, *, preprocessing_version: str = PREPROCESSING_VERSION
) -> LoadedModel:
    """Rebuild a saved model; :class:`ModelFormatError` says why a file can't be used.

    ``preprocessing_version`` is what the caller will feed the model (default: the current
    ``ml.render`` rendering); a model trained on anything else is refused.
    """
    with _open(source) as archive:
        manifest = _parse_manifest(archive, preprocessing_version)
        weight_bytes = _member(archive, WEIGHTS, _MAX_WEIGHTS_BYTES)
    weights_info = manifest.get("weights")
    expected = weights_info.get("sha256") if isinstance(weights_info, dict) else None
    if hashlib.sha256(weight_bytes).hexdigest() != expected:
        raise ModelFormatError(f"{WEIGHTS} does not match the checksum in the manifest")
    try:
        config = ModelConfig.from_json(manifest["architecture"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"invalid architecture: {exc}") from exc
    if manifest["preprocessing"].get("input_size") != config.input_size:
        raise ModelFormatError("preprocessing input_size differs from the architecture's")
    model = ClusterNet(config)
    try:
        with np.load(io.BytesIO(weight_bytes), allow_pickle=False) as arrays:
            state = {name: torch.from_numpy(arrays[name].copy()) for name in arrays.files}
        model.load_state_dict(state, strict=True)
    except (OSError, ValueError, RuntimeError, zipfile.BadZipFile) as exc:
        raise ModelFormatError(f"weights do not fit the architecture: {exc}") from exc
    model.temperature = float(manifest["temperature"])
    model.eval()
    return LoadedModel(model=model, metadata=dict(manifest.get("metadata", {})), manifest=manifest)
