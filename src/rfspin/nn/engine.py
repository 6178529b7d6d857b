"""The one walk over an RF network's layers, with typed hooks for what differs between its users.

Everything that runs a network layer by layer goes through :func:`run_layers`: the ideal forward
(:class:`~rfspin.nn.network.RFNetwork`, :class:`~rfspin.nn.cnn.RFCNN`), chip instances and
Monte-Carlo (:mod:`rfspin.nn.chip`), the hidden-chip simulator backend, the chip-in-the-loop twin,
node perturbation and operating points. What differs between them is a :class:`LayerHooks`
subclass; the defaults are the ideal network:

======================================  ==========================================================
hook                                    used by
======================================  ==========================================================
``before_chains(site)``                 operating points (zero a bias before the chains are read)
``tone_powers(site, P) -> P``           chips (diode saturation)
``resonator_weights(site, f) -> W``     chips (their static sample), the recalibrated twin
``chain_readout(site, V) -> V``         chips: voltage noise, and the output ADC (only here)
``record(site, P, f, V)``               taps: measured hidden voltages, layer inputs
``feed_forward(site, V) -> V``          node-perturbation nudges, measured voltages (twin), biases
``oscillator_tones(index, layer, V)``   chips (static sample and noise of the neurons)
======================================  ==========================================================

A :class:`ChainSite` tells a hook where it is: the chain layer, the oscillators it drives (None for
output chains) and, for convolutions, the pooling before them. This module is also the only
place that tells layer types apart (:func:`layer_kind`, :func:`map_layers`, :func:`chain_layers`).
Nothing here synchronises with the host: inputs are validated once, at the network's boundary.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import RfspinTypeError
from .conv import RFConv2d, RFConvNeurons
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer, apply_chains
from .tones import Tones

__all__ = [
    "ChainSite",
    "LayerHooks",
    "LayerKind",
    "IDEAL_HOOKS",
    "chain_layers",
    "chain_sites",
    "chain_voltages",
    "layer_kind",
    "map_layers",
    "oscillator_layers",
    "rf_layers",
    "run_layers",
]

T = TypeVar("T")


class LayerKind(enum.Enum):
    CHAINS = "resonator_chains"  # ResonatorChainLayer, binary ones included
    OSCILLATORS = "oscillators"  # OscillatorLayer
    CONV_CHAINS = "rf_conv"  # RFConv2d
    CONV_NEURONS = "rf_conv_neurons"  # RFConvNeurons: pooling + oscillators per position


def layer_kind(layer: nn.Module) -> LayerKind:
    """The kind of an RF layer: the only layer-type dispatch of the package."""
    if isinstance(layer, ResonatorChainLayer):
        return LayerKind.CHAINS
    if isinstance(layer, OscillatorLayer):
        return LayerKind.OSCILLATORS
    if isinstance(layer, RFConv2d):
        return LayerKind.CONV_CHAINS
    if isinstance(layer, RFConvNeurons):
        return LayerKind.CONV_NEURONS
    raise RfspinTypeError(f"{type(layer).__name__} is not an RF layer (resonator chains, oscillators, "
                          "RF convolution or its neurons)")


def rf_layers(module: nn.Module) -> list[tuple[nn.Module, LayerKind]]:
    """Every RF layer inside ``module`` (at any depth, including ``module``) with its kind."""
    found = []
    for m in module.modules():
        if isinstance(m, (ResonatorChainLayer, OscillatorLayer, RFConv2d, RFConvNeurons)):
            found.append((m, layer_kind(m)))
    return found


def map_layers(layers: Sequence[nn.Module], *, chains: Callable[[int, ResonatorChainLayer], T],
               oscillators: Callable[[int, OscillatorLayer], T]) -> tuple[T, ...]:
    """``chains(index, layer)`` or ``oscillators(index, layer)`` for every layer of a dense network."""
    out = []
    for index, layer in enumerate(layers):
        kind = layer_kind(layer)
        if kind is LayerKind.CHAINS:
            out.append(chains(index, layer))
        elif kind is LayerKind.OSCILLATORS:
            out.append(oscillators(index, layer))
        else:
            raise RfspinTypeError(f"layer {index} ({type(layer).__name__}): only dense RF networks "
                                  "(resonator chains and oscillators) are supported here")
    return tuple(out)


def chain_layers(layers: Sequence[nn.Module]) -> list[ResonatorChainLayer]:
    """The resonator-chain layers of a dense network, in order."""
    return [layer for layer in layers if layer_kind(layer) is LayerKind.CHAINS]


def oscillator_layers(layers: Sequence[nn.Module]) -> list[OscillatorLayer]:
    """The oscillator layers of a dense network, in order."""
    return [layer for layer in layers if layer_kind(layer) is LayerKind.OSCILLATORS]


@dataclass(frozen=True, eq=False)
class ChainSite:
    """Where a hook is: chain layer ``index`` of the walked sequence.

    chains: the resonator chains (a convolution's kernel chains for an RF convolution).
    neurons: the oscillators their voltages drive; None for output chains.
    pool: average pooling of the voltages before those neurons (convolutions; 1 = none).
    spatial: voltages are (B, C, H, W) maps of a convolution, else (..., B, J).
    """

    index: int
    chains: ResonatorChainLayer
    neurons: OscillatorLayer | None
    pool: int = 1
    spatial: bool = False

    @property
    def is_output(self) -> bool:
        return self.neurons is None

    def per_chain(self, values: Tensor) -> Tensor:
        """(J,) values shaped to broadcast against this site's voltages (e.g. a bias)."""
        return values.view(-1, 1, 1) if self.spatial else values

    def mean_drive(self, voltages: Tensor) -> Tensor:
        """(J,) mean voltage at each neuron's input over the batch (and pooled positions) [V]."""
        if not self.spatial:
            return voltages.mean(0)
        pooled = F.avg_pool2d(voltages, self.pool) if self.pool > 1 else voltages
        return pooled.mean((0, 2, 3))


def chain_sites(layers: Sequence[nn.Module]) -> dict[int, ChainSite]:
    """A :class:`ChainSite` for every chain layer (dense or convolutional) of ``layers``."""
    sites = {}
    for index, layer in enumerate(layers):
        kind = layer_kind(layer)
        nxt = layers[index + 1] if index + 1 < len(layers) else None
        nxt_kind = None if nxt is None else layer_kind(nxt)
        if kind is LayerKind.CHAINS:
            neurons = nxt if nxt_kind is LayerKind.OSCILLATORS else None
            sites[index] = ChainSite(index, layer, neurons)
        elif kind is LayerKind.CONV_CHAINS:
            if nxt_kind is LayerKind.CONV_NEURONS:
                sites[index] = ChainSite(index, layer.chains, nxt.oscillators, nxt.pool, spatial=True)
            else:
                sites[index] = ChainSite(index, layer.chains, None, spatial=True)
    return sites


class LayerHooks:
    """What a walk does at each layer; the defaults compute the ideal network (see module doc)."""

    def before_chains(self, site: ChainSite) -> None:
        """Called before the chains of ``site`` are read."""

    def tone_powers(self, site: ChainSite, powers: Tensor) -> Tensor:
        """Powers reaching the resonators [W]."""
        return powers

    def resonator_weights(self, site: ChainSite, tone_frequencies: Tensor | None) -> Tensor:
        """W [V/W] of the chains for the incoming tones: ``tone_frequencies`` None or shared (I,)
        means the layer's own tone plan; (B, I) gives per-sample weights (B, J, I)."""
        per_sample = tone_frequencies is not None and tone_frequencies.dim() == 2
        return site.chains.weights(tone_frequencies if per_sample else None)

    def chain_readout(self, site: ChainSite, voltages: Tensor) -> Tensor:
        """What reading the chains gives [V] (noise, and the ADC on the output chains)."""
        return voltages

    def record(self, site: ChainSite, powers: Tensor, tone_frequencies: Tensor | None, voltages: Tensor) -> None:
        """Tap: the layer's input (powers, tone frequencies or None) and its read voltages."""

    def feed_forward(self, site: ChainSite, voltages: Tensor) -> Tensor:
        """The voltages that drive the next layer (or are the outputs) [V]."""
        return voltages

    def oscillator_tones(self, index: int, layer: OscillatorLayer, voltages: Tensor) -> Tones:
        """The tones emitted by oscillator layer ``index`` for its chain voltages."""
        return layer.emit(voltages)


IDEAL_HOOKS = LayerHooks()


def chain_voltages(layer: ResonatorChainLayer, powers: Tensor, tone_frequencies: Tensor | None = None) -> Tensor:
    """Unchecked ideal read of one chain layer (the engine's arithmetic, without a walk)."""
    site = ChainSite(-1, layer, None)
    return apply_chains(powers, IDEAL_HOOKS.resonator_weights(site, tone_frequencies), layer.bias_voltage())


def _read_chains(site: ChainSite, layer: nn.Module, powers: Tensor, freqs: Tensor | None, hooks: LayerHooks) -> Tensor:
    hooks.before_chains(site)
    p = hooks.tone_powers(site, powers)
    w = hooks.resonator_weights(site, freqs)
    v = layer.convolve(p, w) if site.spatial else apply_chains(p, w, site.chains.bias_voltage())
    v = hooks.chain_readout(site, v)
    hooks.record(site, powers, freqs, v)
    return hooks.feed_forward(site, v)


def run_layers(layers: Sequence[nn.Module], powers: Tensor, hooks: LayerHooks = IDEAL_HOOKS, *,
               stage_attenuation: Tensor | float | None = None) -> Tensor:
    """Run ``layers`` on tone powers [W] at the first layer's tones; returns the last chains' voltages [V].

    ``powers``: (B, I) for a dense network ((C, B, I) for C chips), (B, C, H, W) for a CNN's
    convolutions, already validated and in the layers' dtype. ``stage_attenuation``: power
    ratio after every convolution's neurons (:class:`~rfspin.nn.cnn.RFCNN`); the maps are
    flattened where the dense layers begin.
    """
    sites = chain_sites(layers)
    x, freqs, previous = powers, None, None
    for index, layer in enumerate(layers):
        kind = layer_kind(layer)
        if kind is LayerKind.CHAINS or kind is LayerKind.CONV_CHAINS:
            if previous is LayerKind.CONV_NEURONS and kind is LayerKind.CHAINS:
                x = x.flatten(-3)
            x, freqs = _read_chains(sites[index], layer, x, freqs, hooks), None
        elif kind is LayerKind.OSCILLATORS:
            freqs, x = hooks.oscillator_tones(index, layer, x)
        else:  # CONV_NEURONS: pooling, then one oscillator per channel and position
            x = layer(x, emit=lambda flat, i=index, osc=layer.oscillators: hooks.oscillator_tones(i, osc, flat))
            if stage_attenuation is not None:
                x = x * stage_attenuation
        previous = kind
    return x
