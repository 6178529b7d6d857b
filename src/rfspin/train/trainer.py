"""Training by backpropagation through the device physics (Adam, cross-entropy).

Seeded and resumable: shuffling uses an explicit torch.Generator whose state is checkpointed with
the model, optimizer and scheduler after every epoch, so ``resume=True`` after an interruption
gives exactly the result of an uninterrupted run.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..data.datasets import RFDataset
from ..device import module_device
from ..errors import RfspinError, RfspinFileNotFoundError, RfspinTypeError
from ..nn.protocols import Trainable, WrapsNetwork
from ..nn.threads import kernel_thread_plan
from ..validation import check_fields
from .augment import random_shift
from .checkpoint import load_checkpoint, model_record, save_checkpoint

__all__ = ["TrainConfig", "TrainResult", "TrainingDiverged", "EpochLoss", "train", "evaluate_accuracy", "predict"]


@dataclass(frozen=True)
class TrainConfig:
    """Training hyper-parameters.

    epochs: passes over the training set; batch_size: samples per step; learning_rate: Adam's
    step size (in the model's parametrisation: linewidths of detuning for RF networks);
    cosine: anneal the learning rate to 0 over ``epochs``; seed: shuffling seed;
    weight_decay: decoupled decay of the parameters towards 0 (AdamW) - for RF networks this
    pulls resonators towards their anchors, i.e. towards small weights.
    max_shift: random translations of the training images by up to this many pixels (0: none);
    needs ``data.image_shape`` (image sets such as MNIST).
    """

    epochs: int = 100
    batch_size: int = 64
    learning_rate: float = 0.02
    cosine: bool = True
    seed: int = 0
    weight_decay: float = 0.0
    max_shift: int = 0

    def __post_init__(self) -> None:
        check_fields(
            self,
            epochs={"integer": True, "ge": 0, "le": 10**7},
            batch_size={"integer": True, "ge": 1, "le": 10**9},
            learning_rate={"gt": 0.0, "le": 1e6},
            seed={"integer": True, "ge": 0, "le": 2**63 - 1},
            weight_decay={"ge": 0.0, "le": 1e6},
            max_shift={"integer": True, "ge": 0, "le": 10**4},  # pixels
        )
        if not isinstance(self.cosine, bool):
            raise RfspinTypeError(f"TrainConfig.cosine = {self.cosine!r}: must be true or false")


@dataclass(frozen=True)
class TrainResult:
    """A finished training: the model, one record per epoch, final accuracies [fraction]."""

    model: nn.Module
    history: tuple[dict, ...]
    train_accuracy: float
    test_accuracy: float


class TrainingDiverged(RfspinError):
    """The loss became non-finite: training stopped, the model is back at its last finite epoch.

    ``epoch``: the epoch whose loss was not finite (1-based); ``last_finite_loss``: the last
    finite batch loss (None if there was none); ``history``: the finished epochs' records.
    """

    def __init__(self, epoch: int, last_finite_loss: float | None, history: tuple[dict, ...]) -> None:
        last = "none" if last_finite_loss is None else f"{last_finite_loss:.6g}"
        super().__init__(f"epoch {epoch}: loss became non-finite (last finite loss {last})")
        self.epoch, self.last_finite_loss, self.history = epoch, last_finite_loss, tuple(history)

    def to_dict(self) -> dict:
        return {"epoch": self.epoch, "last_finite_loss": self.last_finite_loss}


class EpochLoss:
    """The epoch's sum of batch losses and the run's last finite batch loss, kept on the device:
    no host sync per step. :meth:`new_epoch` resets the sum only."""

    def __init__(self, device: torch.device) -> None:
        self.total = torch.zeros((), dtype=torch.float64, device=device)
        self.finite = torch.full((), math.nan, dtype=torch.float64, device=device)

    def new_epoch(self) -> None:
        self.total = torch.zeros_like(self.total)

    def add(self, loss: Tensor, n: int) -> None:
        value = loss.detach().double()
        self.total += value * n
        self.finite = torch.where(torch.isfinite(value), value, self.finite)

    def mean(self, n: int) -> float:
        """The epoch's mean loss (one host sync, once per epoch)."""
        return float(self.total) / n

    def last_finite(self) -> float | None:
        value = float(self.finite)
        return None if math.isnan(value) else value


def _trainable(model: nn.Module) -> Trainable:
    if not isinstance(model, Trainable):
        raise RfspinTypeError(f"{type(model).__name__} cannot be trained: it needs logits(inputs) and project_() "
                              "(the rfspin.nn.protocols.Trainable protocol)")
    return model


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int = 4096) -> Tensor:
    """Class predictions (N,) by argmax of the outputs, on ``x``'s device; batches on the model's device."""
    was_training = model.training
    model.eval()
    device = module_device(model)
    try:
        return torch.cat([model(x[i : i + batch_size].to(device)).argmax(1).to(x.device)
                          for i in range(0, max(1, len(x)), batch_size)])
    finally:
        model.train(was_training)


def evaluate_accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    return float((predict(model, x) == y.to(x.device)).float().mean().item())


def _progress(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, unit="epoch", leave=False)


def _trained_network(model: nn.Module) -> nn.Module:
    """What a checkpoint holds: the wrapped network of a training view, else the model."""
    return model.network if isinstance(model, WrapsNetwork) else model


def _snapshot(model, optimizer, scheduler, generator) -> dict:
    """Everything the end of an epoch fixes, copied (restored when the next epoch diverges)."""
    return copy.deepcopy({"model": _trained_network(model).state_dict(), "optimizer": optimizer.state_dict(),
                          "scheduler": None if scheduler is None else scheduler.state_dict(),
                          "generator": generator.get_state()})


def train(
    model: nn.Module,
    data: RFDataset,
    config: TrainConfig = TrainConfig(),
    *,
    checkpoint_path: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    extra_state: dict | None = None,
    step_hook: Callable[[nn.Module], None] | None = None,
) -> TrainResult:
    """Train ``model`` on ``data`` and return it with its per-epoch history.

    Runs on the model's device (move it first, e.g. ``model.to("cuda")``); the data follow.
    The shuffling generator stays on the CPU, so a run's batches are the same on any device and
    resuming works across devices. ``checkpoint_path``: written atomically after every epoch;
    with ``resume`` training continues from it (the model's state, optimizer, scheduler and
    shuffling generator are restored). ``step_hook(model)`` runs after every optimizer step
    (e.g. resampling non-idealities).

    Divergence: the loss is summed on the device and looked at once per epoch. If an epoch's
    loss is not finite, the model (and the checkpoint, if any) is put back to the end of the
    last finite epoch and :class:`TrainingDiverged` is raised, naming that epoch and the last
    finite batch loss.
    """
    trainable = _trainable(model)
    device = module_device(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, config.epochs))
        if config.cosine
        else None
    )
    generator = torch.Generator().manual_seed(config.seed)
    history: list[dict] = []
    start_epoch = 0
    if resume:
        if checkpoint_path is None or not Path(checkpoint_path).is_file():
            raise RfspinFileNotFoundError(f"--resume: no checkpoint at {str(checkpoint_path)!r}")
        ckpt = load_checkpoint(checkpoint_path, model=_trained_network(model))
        # fields added to TrainConfig after the checkpoint was written take their defaults
        saved_cfg = {**asdict(TrainConfig()), **ckpt.get("train_config", {})} if ckpt.get("train_config") else {}
        if saved_cfg and saved_cfg != asdict(config):
            raise RfspinError(f"--resume: checkpoint was trained with {saved_cfg}, not {asdict(config)}")
        _trained_network(model).load_state_dict(ckpt["model"]["state"])
        optimizer.load_state_dict(ckpt["optimizer"])
        if scheduler is not None and ckpt.get("scheduler") is not None:
            scheduler.load_state_dict(ckpt["scheduler"])
        generator.set_state(ckpt["generator"])
        history = list(ckpt["history"])
        start_epoch = int(ckpt["epoch"])

    image_shape = data.image_shape
    if config.max_shift and image_shape is None:
        raise RfspinError(f"max_shift = {config.max_shift}: data set {data.name!r} has no image_shape (not images)")
    x_train, y_train = data.x_train.to(device), data.y_train.to(device)  # moved once, not per epoch
    x_test, y_test = data.x_test.to(device), data.y_test.to(device)
    n = len(y_train)

    def save(epoch: int, state: dict) -> None:
        if checkpoint_path is not None:
            save_checkpoint(checkpoint_path, {
                "model": {**model_record(model), "state": state["model"]},
                "optimizer": state["optimizer"], "scheduler": state["scheduler"], "generator": state["generator"],
                "epoch": epoch, "history": history, "train_config": asdict(config), **(extra_state or {}),
            })

    losses = EpochLoss(device)
    bar = _progress(config.epochs - start_epoch, progress, type(model).__name__)
    with kernel_thread_plan(model):  # dense RF networks on the CPU: kernels on all threads, torch on one
        for epoch in range(start_epoch, config.epochs):
            t0 = time.perf_counter()
            snapshot = _snapshot(model, optimizer, scheduler, generator)
            model.train()
            perm = torch.randperm(n, generator=generator).to(device)
            losses.new_epoch()
            for i in range(0, n, config.batch_size):
                idx = perm[i : i + config.batch_size]
                x = x_train[idx]
                if config.max_shift:
                    x = random_shift(x, image_shape, config.max_shift, generator)
                loss = F.cross_entropy(trainable.logits(x), y_train[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                trainable.project_()
                if step_hook is not None:
                    step_hook(model)
                losses.add(loss, len(idx))
            mean_loss = losses.mean(n)
            if not math.isfinite(mean_loss):
                bar.close()
                _trained_network(model).load_state_dict(snapshot["model"])
                save(epoch, snapshot)  # the checkpoint of the last finite epoch (written again: complete)
                raise TrainingDiverged(epoch + 1, losses.last_finite(), tuple(history))
            if scheduler is not None:
                scheduler.step()
            record = {
                "epoch": epoch + 1,
                "loss": mean_loss,
                "train_accuracy": evaluate_accuracy(model, x_train, y_train),
                "test_accuracy": evaluate_accuracy(model, x_test, y_test),
                "time_s": time.perf_counter() - t0,
            }
            history.append(record)
            bar.set_postfix(loss=f"{record['loss']:.3f}", test=f"{record['test_accuracy']:.3f}")
            bar.update(1)
            save(epoch + 1, {"model": _trained_network(model).state_dict(), "optimizer": optimizer.state_dict(),
                             "scheduler": None if scheduler is None else scheduler.state_dict(),
                             "generator": generator.get_state()})
        bar.close()
        return TrainResult(model, tuple(history), evaluate_accuracy(model, x_train, y_train),
                           evaluate_accuracy(model, x_test, y_test))
