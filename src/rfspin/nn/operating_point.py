"""Operating points: set every hidden chain's DC bias so its neurons start inside their window.

A chain voltage is a sum over hundreds of positive tone powers, so its mean over inputs is far
from 0 and can sit outside the oscillators' threshold-to-clamp window (8.8 mV wide for the
Ross 2023 neuron), where the neurons are off or clamped and pass no gradient. On a chip the
neuron's DC bias is set once before training; here each chain's bias is set so that its mean
voltage over a batch of training inputs sits at ``level`` of its neurons' window (0 = threshold,
1 = clamp), stage by stage from the input, in one walk of :mod:`rfspin.nn.engine`. Output chains
(no neuron) keep their bias.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError
from .cnn import RFCNN
from .engine import ChainSite, LayerHooks
from .network import RFNetwork

__all__ = ["set_operating_points_", "OperatingPointHooks"]


class OperatingPointHooks(LayerHooks):
    """Centre each neuron-feeding chain layer on its neurons' window as the walk reaches it."""

    def __init__(self, level: float) -> None:
        if not 0.0 <= level <= 1.0:
            raise RfspinError(f"operating-point level = {level!r}: must be in [0, 1] (0 threshold, 1 clamp)")
        self.level = level

    def before_chains(self, site: ChainSite) -> None:
        if not site.is_output:  # read the chains without bias: their mean is then sum P W alone
            site.chains.set_bias_voltage(torch.zeros(site.chains.n_chains, dtype=torch.float64))

    def feed_forward(self, site: ChainSite, voltages: Tensor) -> Tensor:
        if site.is_output:
            return voltages
        target = site.neurons.window_voltage(self.level)
        site.chains.set_bias_voltage((target - site.mean_drive(voltages)).double())
        return voltages + site.per_chain(site.chains.bias_voltage())


@torch.no_grad()
def set_operating_points_(model: RFCNN | RFNetwork, inputs: Tensor, level: float = 0.5) -> None:
    """Set the biases of ``model``'s chains that feed neurons from normalised ``inputs`` (B, ...)."""
    hooks = OperatingPointHooks(level)
    if not isinstance(model, (RFNetwork, RFCNN)):
        raise RfspinTypeError(f"set_operating_points_: {type(model).__name__} is not an RFCNN or RFNetwork")
    if not isinstance(inputs, Tensor) or inputs.dim() < 2 or inputs.shape[0] < 1:
        shape = tuple(inputs.shape) if isinstance(inputs, Tensor) else type(inputs).__name__
        raise RfspinError(f"set_operating_points_: inputs of shape {shape}; need a batch of >= 1 sample")
    try:
        powers = model.input_powers(inputs)  # checked before any bias moves
    except RfspinError as exc:
        raise RfspinError(f"set_operating_points_: normalised input powers must be finite and >= 0 ({exc})") from None
    model.forward_powers(powers, hooks=hooks)
