"""Measured activity of a network on data: NeuroBench activation sparsity and effective MACs.

For every chain layer (a module whose ``layer_counts()`` has chains) the RF tone powers it
receives are recorded with a forward pre-hook: activation sparsity = fraction of tone powers that
are exactly 0, mean tone power [W], and effective MACs = MACs x (1 - sparsity) (NeuroBench:
multiply-accumulates with a non-zero activation). The energy estimate itself stays at full-scale
tone power; these figures say how far real data sits below it.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import RfspinError
from ..nn.counts import LayerCounts

__all__ = ["activation_stats"]


def _chain_modules(model: nn.Module) -> list[tuple[nn.Module, LayerCounts]]:
    """Chain layers in registration order. A module counting itself as one layer is not searched
    further (its inner chains are its own); one returning a list (a whole network) is."""
    out: list[tuple[nn.Module, LayerCounts]] = []

    def visit(module: nn.Module) -> None:
        if callable(getattr(module, "layer_counts", None)):
            counts = module.layer_counts()
            if isinstance(counts, LayerCounts):
                if counts.n_chains > 0:
                    out.append((module, counts))
                return
        for child in module.children():
            visit(child)

    visit(model)
    return out


@torch.no_grad()
def activation_stats(model: nn.Module, inputs: Tensor, *, batch_size: int = 500) -> list[dict]:
    """Per chain layer, in forward order: kind, activation_sparsity, mean_tone_power_w,
    macs, effective_macs (per inference, averaged over ``inputs``)."""
    if inputs.dim() < 2 or inputs.shape[0] < 1:
        raise RfspinError(f"activation_stats: inputs of shape {tuple(inputs.shape)}: need (samples, ...)")
    if batch_size < 1:
        raise RfspinError(f"activation_stats: batch_size = {batch_size!r}: must be >= 1")
    chains = _chain_modules(model)
    if not chains:
        raise RfspinError(f"{type(model).__name__} has no resonator-chain layer to measure")
    sums = [{"zeros": 0.0, "count": 0.0, "power": 0.0} for _ in chains]
    hooks = []

    def make_hook(acc: dict):
        def hook(_module, args):
            x = args[0]
            powers = x.powers if hasattr(x, "powers") else x
            acc["zeros"] += float((powers == 0).sum())
            acc["count"] += powers.numel()
            acc["power"] += float(powers.double().sum())
        return hook

    for (module, _), acc in zip(chains, sums):
        hooks.append(module.register_forward_pre_hook(make_hook(acc)))
    was_training = model.training
    model.eval()
    try:
        for start in range(0, inputs.shape[0], batch_size):
            model(inputs[start:start + batch_size])
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    stats = []
    for (_, counts), acc in zip(chains, sums):
        if acc["count"] == 0:
            raise RfspinError(f"layer {counts.kind} was not reached by the forward pass: nothing measured")
        sparsity = acc["zeros"] / acc["count"]
        stats.append({"kind": counts.kind, "activation_sparsity": sparsity,
                      "mean_tone_power_w": acc["power"] / acc["count"], "macs": counts.macs,
                      "effective_macs": counts.macs * (1.0 - sparsity)})
    return stats
