"""Training loops, checkpoints."""

from .checkpoint import (
    load_checkpoint,
    model_from_checkpoint,
    model_record,
    save_checkpoint,
)
from .trainer import TrainConfig, TrainResult, evaluate_accuracy, predict, train

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
]
