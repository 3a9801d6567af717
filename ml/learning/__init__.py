"""The CNN that scores cluster candidates: model, training, calibration, inference, model files.

Pure PyTorch and numpy, no Django: a training host can run it unchanged. ``docs/model.md``
describes the architecture, the training recipe, the saved-file format and measured figures.
``ml.learning.dataset`` (simulated training data) is imported on its own, since it pulls in the
simulator.
"""

from ml.learning.calibrate import apply_temperature, fit_temperature
from ml.learning.config import TrainConfig, TrainingCancelled, TrainProgress, TrainResult
from ml.learning.labels import CLUSTER_INDICES, HUNT_CLASSES, cluster_targets, stratified_split
from ml.learning.model import ClusterNet, ModelConfig, count_parameters
from ml.learning.predict import Predictions, predict
from ml.learning.store import (
    FORMAT_VERSION,
    LoadedModel,
    ModelFormatError,
    load_model,
    model_to_bytes,
    read_manifest,
    save_model,
)
from ml.learning.train import train

__all__ = [
    "CLUSTER_INDICES",
    "FORMAT_VERSION",
    "HUNT_CLASSES",
    "ClusterNet",
    "LoadedModel",
    "ModelConfig",
    "ModelFormatError",
    "Predictions",
    "TrainConfig",
    "TrainProgress",
    "TrainResult",
    "TrainingCancelled",
    "apply_temperature",
    "cluster_targets",
    "count_parameters",
    "fit_temperature",
    "load_model",
    "model_to_bytes",
    "predict",
    "read_manifest",
    "save_model",
    "stratified_split",
    "train",
]
