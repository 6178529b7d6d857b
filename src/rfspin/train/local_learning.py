"""Local learning: node perturbation with device-local updates (no backpropagation).

Signals each device uses (Fiete & Seung, Phys. Rev. Lett. 97, 048104 (2006); the perturbative
frequency tuning of Romera et al., Nature 563, 230 (2018) is the single-device version):

1. a global scalar per sample, broadcast to the whole chip: the change of the loss when every
   chain voltage is nudged by a small random DC voltage xi (applied through the chain's bias),
   measured with +xi and -xi (central difference): dL = (L(+xi) - L(-xi)) / 2;
2. the chain's own nudge xi_j, so the chain's error estimate is delta_j = dL xi_j / sigma^2
   (an unbiased estimate of dL/dV_j to first order);
3. at resonator (j, k), its own sensitivity dV_j/df_jk = sum_i P_i s_k dG(f_i; f_jk)/df_jk: the
   tones reaching it and its own lineshape slope, which the device can measure itself by
   dithering its own frequency.

Update: f_jk <- f_jk - eta * sum_batch delta_j dV_j/df_jk (here through Adam, whose state is per
parameter and hence local too); the bias of chain j gets delta_j. Nothing is propagated backwards
through other layers: autograd is used only for the local derivative dV_j/d(own parameters), with
the layer's input detached.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from ..data.datasets import RFDataset
from ..device import make_generator, random_normal
from ..errors import RfspinError, RfspinTypeError
from ..nn.engine import ChainSite, LayerHooks, chain_voltages, run_layers
from ..nn.network import RFNetwork
from .trainer import EpochLoss, TrainingDiverged, TrainResult, evaluate_accuracy

__all__ = ["NodePerturbationConfig", "train_node_perturbation", "node_perturbation_gradients"]


@dataclass(frozen=True)
class NodePerturbationConfig:
    """epochs, batch_size, learning_rate (Adam, in the detuning parametrisation), cosine;
    relative_sigma: nudge std relative to the std of each layer's chain voltages over the batch;
    n_perturbations: independent nudges averaged per batch; seed: shuffling and nudges."""

    epochs: int = 60
    batch_size: int = 32
    learning_rate: float = 0.02
    cosine: bool = True
    relative_sigma: float = 0.02
    n_perturbations: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "n_perturbations"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < (0 if name == "epochs" else 1):
                raise RfspinError(f"{name} = {value!r}: must be an integer >= {0 if name == 'epochs' else 1}")
        for name in ("learning_rate", "relative_sigma"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise RfspinError(f"{name} = {value!r}: must be finite and > 0")


class _NudgeHooks(LayerHooks):
    """Records every chain layer's input and clean voltages; adds ``nudges[l]`` to layer l's output."""

    def __init__(self, nudges: list[Tensor] | None) -> None:
        self.nudges, self.records = nudges, []

    def record(self, site: ChainSite, powers, tone_frequencies, voltages) -> None:
        self.records.append((site.chains, powers, tone_frequencies, voltages))

    def feed_forward(self, site: ChainSite, voltages: Tensor) -> Tensor:
        return voltages if self.nudges is None else voltages + self.nudges[len(self.records) - 1]


def _walk(model: RFNetwork, powers: Tensor, nudges: list[Tensor] | None):
    """Output voltages, and per chain layer (layer, its input powers and tones, its clean voltages)."""
    hooks = _NudgeHooks(nudges)
    return run_layers(model.layers, powers, hooks), hooks.records


def node_perturbation_gradients(model: RFNetwork, inputs: Tensor, labels: Tensor, config: NodePerturbationConfig,
                                generator: torch.Generator) -> Tensor:
    """Set ``p.grad`` of every parameter to its node-perturbation estimate; return the clean loss."""
    powers = model.input_powers(inputs)
    labels = labels.to(powers.device)
    with torch.no_grad():
        out, records = _walk(model, powers, None)
        clean_loss = F.cross_entropy(out / model.readout_scale, labels)
        deltas = [torch.zeros_like(v) for *_, v in records]
        sigmas = [config.relative_sigma * v.std().clamp_min(1e-12) for *_, v in records]
        for _ in range(config.n_perturbations):
            xi = [s * random_normal(v.shape, generator, dtype=v.dtype, device=v.device)
                  for s, (*_, v) in zip(sigmas, records)]
            plus = F.cross_entropy(_walk(model, powers, xi)[0] / model.readout_scale, labels, reduction="none")
            minus = F.cross_entropy(_walk(model, powers, [-n for n in xi])[0] / model.readout_scale, labels,
                                    reduction="none")
            dl = (plus - minus) / 2  # the broadcast scalar, per sample
            for d, n, s in zip(deltas, xi, sigmas):
                d.add_(dl.unsqueeze(1) * n / (s * s * config.n_perturbations * len(labels)))
    model.zero_grad(set_to_none=True)
    # Local derivative only: each layer re-evaluated on its own (detached) input.
    surrogate = sum((d * chain_voltages(layer, p.detach(), None if f is None else f.detach())).sum()
                    for (layer, p, f, _), d in zip(records, deltas))
    surrogate.backward()
    return clean_loss


def train_node_perturbation(model: RFNetwork, data: RFDataset,
                            config: NodePerturbationConfig = NodePerturbationConfig(), *,
                            progress: bool = False) -> TrainResult:
    """Train ``model`` with node perturbation; same history format as :func:`rfspin.train.train`.

    Runs on the model's device (the shuffling generator stays on the CPU, the nudges are drawn
    on the model's device). A non-finite loss stops training with :class:`TrainingDiverged`.
    """
    if not isinstance(model, RFNetwork):
        raise RfspinTypeError(f"node perturbation trains an RFNetwork, got {type(model).__name__}")
    device = model.input_power.device
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, config.epochs))
                 if config.cosine else None)
    shuffle = torch.Generator().manual_seed(config.seed)
    nudges = make_generator(device, config.seed + 1)
    history = []
    x_train, y_train = data.x_train.to(device), data.y_train.to(device)
    n = len(y_train)
    losses = EpochLoss(device)
    for epoch in range(config.epochs):
        t0 = time.perf_counter()
        model.train()
        losses.new_epoch()
        perm = torch.randperm(n, generator=shuffle).to(device)
        for i in range(0, n, config.batch_size):
            idx = perm[i:i + config.batch_size]
            loss = node_perturbation_gradients(model, x_train[idx], y_train[idx], config, nudges)
            optimizer.step()
            model.project_()
            losses.add(loss, len(idx))
        mean_loss = losses.mean(n)
        if not math.isfinite(mean_loss):
            raise TrainingDiverged(epoch + 1, losses.last_finite(), tuple(history))
        if scheduler is not None:
            scheduler.step()
        history.append({
            "epoch": epoch + 1,
            "loss": mean_loss,
            "train_accuracy": evaluate_accuracy(model, data.x_train, data.y_train),
            "test_accuracy": evaluate_accuracy(model, data.x_test, data.y_test),
            "time_s": time.perf_counter() - t0,
        })
        if progress:
            print(f"node perturbation epoch {epoch + 1}: loss {history[-1]['loss']:.4f}, "
                  f"test {100 * history[-1]['test_accuracy']:.2f} %", flush=True)
    return TrainResult(model, tuple(history), evaluate_accuracy(model, data.x_train, data.y_train),
                       evaluate_accuracy(model, data.x_test, data.y_test))
