"""Measured activity of a network on data: NeuroBench activation sparsity and effective MACs.

For every chain layer the RF tone powers it receives are recorded by a tap of the layer walk
(:class:`rfspin.nn.engine.LayerHooks`): activation sparsity = fraction of tone powers that are
exactly 0, mean tone power [W], and effective MACs = MACs x (1 - sparsity) (NeuroBench:
multiply-accumulates with a non-zero activation). The energy estimate itself stays at full-scale
tone power; these figures say how far real data sits below it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError
from ..nn.cnn import RFCNN
from ..nn.engine import ChainSite, LayerHooks
from ..nn.network import RFNetwork

__all__ = ["activation_stats"]


class _ActivityTap(LayerHooks):
    """Sums, per chain layer (walk index), zero tone powers, tone powers seen and their total [W]."""

    def __init__(self) -> None:
        self.sums: dict[int, list[Tensor]] = {}

    def record(self, site: ChainSite, powers: Tensor, tone_frequencies, voltages) -> None:
        acc = self.sums.setdefault(site.index, [torch.zeros((), dtype=torch.float64, device=powers.device)] * 3)
        self.sums[site.index] = [acc[0] + (powers == 0).sum(), acc[1] + powers.numel(), acc[2] + powers.double().sum()]


@torch.no_grad()
@torch.no_grad()  # measurement only: no autograd graph, the chains' weights built once (cached)
def activation_stats(model: RFNetwork | RFCNN, inputs: Tensor, *, batch_size: int = 500) -> list[dict]:
    """Per chain layer, in forward order: kind, activation_sparsity, mean_tone_power_w,
    macs, effective_macs (per inference, averaged over ``inputs``)."""
    if not isinstance(model, (RFNetwork, RFCNN)):
        raise RfspinTypeError(f"{type(model).__name__} has no resonator-chain layer to measure (need an RF network)")
    if inputs.dim() < 2 or inputs.shape[0] < 1:
        raise RfspinError(f"activation_stats: inputs of shape {tuple(inputs.shape)}: need (samples, ...)")
    if batch_size < 1:
        raise RfspinError(f"activation_stats: batch_size = {batch_size!r}: must be >= 1")
    tap = _ActivityTap()
    was_training = model.training
    model.eval()
    try:
        for start in range(0, inputs.shape[0], batch_size):
            model.forward_powers(model.input_powers(inputs[start:start + batch_size]), hooks=tap)
    finally:
        model.train(was_training)
    stats = []
    for index, (zeros, count, power) in sorted(tap.sums.items()):
        counts = model.stages[index].layer_counts()
        sparsity = float(zeros) / float(count)
        stats.append({"kind": counts.kind, "activation_sparsity": sparsity,
                      "mean_tone_power_w": float(power) / float(count), "macs": counts.macs,
                      "effective_macs": counts.macs * (1.0 - sparsity)})
    return stats
