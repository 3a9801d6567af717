"""Every successful training run is followed by an evaluation of its model."""

from typing import Any

from django.dispatch import receiver

from hunt.evaluation.services import evaluation_after_training
from hunt.learning.models import ModelVersion
from hunt.learning.signals import model_version_trained


@receiver(model_version_trained, dispatch_uid="hunt.evaluation.evaluate_trained_model")
def evaluate_trained_model(sender: ModelVersion, **kwargs: Any) -> None:
    evaluation_after_training(model_version=sender)
