from django.dispatch import Signal

# Sent after a training run succeeded and its model's predictions are stored: `sender` is the ModelVersion,
# `promoted` whether it now serves. Receivers run in the training worker, after the run is marked done.
model_version_trained = Signal()
