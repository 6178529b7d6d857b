"""Training on a validation split of the training set, reporting accuracy after every epoch.

Searches choose on this: the test set is never seen while choosing. The validation rows are a
stratified fraction of the training rows (fixed split seed), so every trial of a search is
judged on the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import torch

from ..data.datasets import RFDataset, stratified_split
from ..device import resolve_device
from ..errors import RfspinError
from ..experiment.config import build_run
from ..tasks.experiment import build_network_for
from ..train.trainer import evaluate_accuracy, train

__all__ = ["train_on_validation", "validation_split"]


def validation_split(data: RFDataset, fraction: float, seed: int = 0) -> RFDataset:
    """``data`` whose test split is a stratified ``fraction`` of its training rows (the rest train)."""
    if not 0.0 < fraction < 1.0:
        raise RfspinError(f"validation_fraction = {fraction!r}: must be in (0, 1)")
    train_idx, val_idx = stratified_split(data.y_train.numpy(), fraction, seed)
    tr, va = torch.from_numpy(train_idx), torch.from_numpy(val_idx)
    return replace(data, x_train=data.x_train[tr], y_train=data.y_train[tr], x_test=data.x_train[va],
                   y_test=data.y_train[va], notes={**data.notes, "validation": f"{fraction:.0%} of train, seed {seed}"})


def train_on_validation(resolved: dict, fraction: float, report: Callable[[int, float], None] | None = None) -> float:
    """Train a resolved configuration on the training rows less a validation split; the final
    validation accuracy. ``report(epoch, accuracy)`` runs after every epoch (it may raise to stop)."""
    config, task = build_run(resolved, out_dir=".")
    data = validation_split(task.load(config.seed, config.data_dir), fraction)
    hidden = task.hidden
    if task.build is not None:
        model = task.build(data, hidden, config.seed)
    else:
        model = build_network_for(task, data, hidden, config.seed)
    model = model.to(resolve_device(config.device))
    trained, hook = model, None
    if config.hardware_aware is not None:
        from ..train.hardware_aware import HardwareAwareNetwork

        trained = HardwareAwareNetwork(model, config.hardware_aware)
        hook = trained.step_hook
    cfg = replace(task.rf_config, seed=config.seed)
    steps_per_epoch = math.ceil(len(data.y_train) / cfg.batch_size)
    state = {"steps": 0}

    def step_hook(module) -> None:
        if hook is not None:
            hook(module)
        state["steps"] += 1
        if report is not None and state["steps"] % steps_per_epoch == 0:
            report(state["steps"] // steps_per_epoch, evaluate_accuracy(model, data.x_test, data.y_test))

    train(trained, data, cfg, progress=False, step_hook=step_hook)
    return evaluate_accuracy(model, data.x_test, data.y_test)
