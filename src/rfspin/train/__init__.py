"""Training: the backpropagation loop, checkpoints, hardware-aware and chip-in-the-loop training.

:func:`train_network` is the training loop (``rfspin.train.train`` is the same function, kept for
existing code); ``rfspin.train`` itself is this package.
"""

from .checkpoint import (
    load_checkpoint,
    model_from_checkpoint,
    model_record,
    save_checkpoint,
)
from .trainer import TrainConfig, TrainResult, evaluate_accuracy, predict, train

train_network = train

__all__ = [
    "TrainConfig",
    "TrainResult",
    "evaluate_accuracy",
    "load_checkpoint",
    "model_from_checkpoint",
    "model_record",
    "predict",
    "save_checkpoint",
    "train",
    "train_network",
]
