"""Operating points: set every hidden chain's DC bias so its neurons start inside their window.

A chain voltage is a sum over hundreds of positive tone powers, so its mean over inputs is far
from 0 and can sit outside the oscillators' threshold-to-clamp window (8.8 mV wide for the
Ross 2023 neuron), where the neurons are off or clamped and pass no gradient. On a chip the
neuron's DC bias is set once before training; here each chain's bias is set so that its mean
voltage over a batch of training inputs sits at ``level`` of its neurons' window (0 = threshold,
1 = clamp), stage by stage from the input. Output chains (no neuron) keep their bias.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError
from .cnn import RFCNN, _as_images
from .network import RFNetwork
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer

__all__ = ["set_operating_points_"]


def _check_level(level: float) -> None:
    if not 0.0 <= level <= 1.0:
        raise RfspinError(f"operating-point level = {level!r}: must be in [0, 1] (0 threshold, 1 clamp)")


@torch.no_grad()
def _center_network_(net: RFNetwork, powers: Tensor, level: float) -> None:
    """``powers``: tone powers (B, I) [W] at the network's input."""
    x = powers
    layers = list(net.layers)
    for i, layer in enumerate(layers):
        nxt = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(layer, ResonatorChainLayer) and isinstance(nxt, OscillatorLayer):
            layer.set_bias_voltage(torch.zeros_like(layer.bias_voltage(), dtype=torch.float64))
            mean = layer(x).mean(0)
            layer.set_bias_voltage((nxt.window_voltage(level) - mean).double())
        x = layer(x)


@torch.no_grad()
def set_operating_points_(model: RFCNN | RFNetwork, inputs: Tensor, level: float = 0.5) -> None:
    """Set the biases of ``model``'s chains that feed neurons from normalised ``inputs`` (B, ...)."""
    _check_level(level)
    if inputs.dim() < 2 or inputs.shape[0] < 1:
        raise RfspinError(f"set_operating_points_: inputs of shape {tuple(inputs.shape)}; need a batch of >= 1 sample")
    if not bool(torch.isfinite(inputs).all()) or bool((inputs < 0).any()):
        raise RfspinError("set_operating_points_: normalised input powers must be finite and >= 0")  # before any bias moves
    if isinstance(model, RFNetwork):
        _center_network_(model, inputs * model.input_power, level)
        return
    if not isinstance(model, RFCNN):
        raise RfspinTypeError(f"set_operating_points_: {type(model).__name__} is not an RFCNN or RFNetwork")
    x = _as_images(inputs, model.spec.image_shape) * model.input_power
    for conv, neurons in zip(model.convs, model.neurons):
        chains = conv.chains
        chains.set_bias_voltage(torch.zeros(conv.out_channels, dtype=torch.float64))
        v = conv(x)
        if neurons.pool > 1:
            v = F.avg_pool2d(v, neurons.pool)
        target = neurons.oscillators.window_voltage(level)
        chains.set_bias_voltage((target - v.mean((0, 2, 3))).double())
        x = neurons(conv(x)) * model.stage_attenuation
    _center_network_(model.head, x.flatten(1), level)
