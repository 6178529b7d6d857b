"""Device and operation counts per inference, for any network whose layers expose ``layer_counts()``.

Counting is delegated to the layers (:class:`rfspin.nn.counts.LayerCounts`); this module only
collects them in forward order and sums them. Metric names follow NeuroBench where they apply
(footprint = devices on chip, synaptic operations, effective MACs). The neuron count follows the
lecture (and ``RFNetwork.n_neurons``): input tones (one emitter each) plus oscillators, so
784-300-10 has 784 + 300 = 1,084 neurons and 784 x 300 + 300 x 10 = 238,200 synapses.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..errors import RfspinError, RfspinTypeError
from ..nn.counts import LayerCounts
from ..nn.network import build_rf_network
from ..nn.protocols import CountsDevices, CountsNeurons

__all__ = [
    "CountTotals",
    "NetworkCounts",
    "as_network_counts",
    "network_counts",
    "LECTURE_CNN_COUNTS",
    "NAMED_ARCHITECTURES",
    "architecture_counts",
    "count_totals",
    "input_tone_slots",
    "model_layer_counts",
    "parse_architecture",
]


def model_layer_counts(model: nn.Module) -> list[LayerCounts]:
    """``layer_counts()`` of every module that has one, in registration (= forward) order.

    A module that counts itself is not searched further (its sub-modules are its own business);
    it may return one LayerCounts or, for a whole network, a list. Works for any layer type
    (dense chains, oscillators, RF convolutions ...).
    """

    found: list[LayerCounts] = []

    def visit(module: nn.Module) -> None:
        if isinstance(module, CountsDevices):
            counts = module.layer_counts()  # one LayerCounts, or a list of them for a whole network
            many = list(counts) if isinstance(counts, (list, tuple)) else [counts]
            if not many or not all(isinstance(c, LayerCounts) for c in many):
                raise RfspinTypeError(f"{type(module).__name__}.layer_counts() returned {counts!r}, "
                                "expected LayerCounts or a list of them")
            found.extend(many)
            return
        for child in module.children():
            visit(child)

    visit(model)
    if not found:
        raise RfspinError(f"{type(model).__name__} has no layer with layer_counts(): nothing to count "
                         "(a software network has no RF devices)")
    return found


#: Largest architecture string accepted (its network is built, ~20 bytes per resonator).
MAX_ARCHITECTURE_RESONATORS = 20_000_000


def parse_architecture(text: str) -> tuple[int, ...]:
    """``"784-300-10"`` -> (784, 300, 10): layer widths, inputs first, each >= 1."""
    parts = str(text).replace(",", "-").replace("x", "-").split("-")
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        raise RfspinError(f"architecture {text!r}: expected widths like 784-300-10, or one of "
                         f"{sorted(NAMED_ARCHITECTURES) + sorted(_CNN_ENCODINGS)}") from None
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise RfspinError(f"architecture {text!r}: need at least two widths (inputs, outputs), each >= 1")
    resonators = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if resonators > MAX_ARCHITECTURE_RESONATORS:
        raise RfspinError(f"architecture {text!r}: {resonators:,} resonators; at most "
                          f"{MAX_ARCHITECTURE_RESONATORS:,} (the network is built to be counted)")
    return sizes


#: The lecture's MNIST CNN (Leroux et al., Neuromorph. Comput. Eng. 2, 034002 (2022)) as stated
#: in the lecture: 8,576 neurons and 6.7 M synapses. Its layer structure is not given there, so
#: this is an aggregate description: 784 input tones, 7,792 hidden oscillators reading one chain
#: each, all 6.7 M resonators evaluated once (parallel-chain convolution), 10 output chains.
#: The output chains' resonators are inside the 6.7 M total, hence listed with 0 here.
LECTURE_CNN_COUNTS: tuple[LayerCounts, ...] = (
    LayerCounts(kind="cnn_hidden_aggregate", n_resonators=6_700_000, n_chains=7_792, n_inputs=784,
                evaluations=1, synaptic_ops=6_700_000, macs=6_700_000),
    LayerCounts(kind="oscillators", n_oscillators=7_792, n_inputs=7_792),
    LayerCounts(kind="cnn_output_aggregate", n_chains=10, n_inputs=7_792, evaluations=1),
)

#: Architectures known by name (for ``rfspin energy --arch NAME``).
NAMED_ARCHITECTURES: dict[str, tuple[LayerCounts, ...]] = {"lecture-cnn": LECTURE_CNN_COUNTS}


@dataclass(frozen=True)
class NetworkCounts:
    """A network's layer counts in forward order and its number of input tones.

    n_input_tones: input emitters (pixels, spectral bins), e.g. 784 for MNIST whatever the first
    layer's patch size (a convolution's first layer reads only a patch of them per evaluation).
    """

    layers: tuple[LayerCounts, ...]
    n_input_tones: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise RfspinError("NetworkCounts: no layers")
        if self.n_input_tones < 1:
            raise RfspinError(f"NetworkCounts.n_input_tones = {self.n_input_tones!r}: must be >= 1")


def as_network_counts(counts: NetworkCounts | list[LayerCounts] | tuple[LayerCounts, ...]) -> NetworkCounts:
    """NetworkCounts as is; a plain list of layer counts takes the first layer's tones as inputs."""
    if isinstance(counts, NetworkCounts):
        return counts
    counts = tuple(counts)
    if not counts:
        raise RfspinError("no layers to count")
    return NetworkCounts(counts, counts[0].n_inputs)


def network_counts(model: nn.Module) -> NetworkCounts:
    """Counts of a model; its input tones from ``model.n_neurons`` (tones + oscillators) when it
    has that property (RFNetwork, RF CNN), else the first counted layer's tones."""
    layers = model_layer_counts(model)
    n_neurons = model.n_neurons if isinstance(model, CountsNeurons) else None
    tones = int(n_neurons) - sum(c.n_oscillators for c in layers) if isinstance(n_neurons, int) else 0
    return NetworkCounts(tuple(layers), tones if tones >= 1 else layers[0].n_inputs)


#: Networks built by name: the default RF CNN of ``rfspin.nn.cnn`` in both encodings.
_CNN_ENCODINGS = {"rf-cnn": "time-sequential", "rf-cnn-parallel": "parallel"}


def architecture_counts(text: str) -> NetworkCounts:
    """Counts of an architecture string (``"784-300-10"``) or a named one (``"lecture-cnn"``,
    ``"rf-cnn"``, ``"rf-cnn-parallel"``: the default ``CNNSpec`` of MNIST, time-sequential or
    parallel convolution).

    Networks are built untrained (seeded) and counted by their own layers, so the counting
    logic lives in one place.
    """
    if text in NAMED_ARCHITECTURES:
        return NetworkCounts(NAMED_ARCHITECTURES[text], 784)
    if text in _CNN_ENCODINGS:
        import torch

        from ..nn.cnn import RFCNN, CNNSpec  # imported here: only these names need it

        return network_counts(RFCNN(CNNSpec(encoding=_CNN_ENCODINGS[text]), generator=torch.Generator().manual_seed(0)))
    sizes = parse_architecture(text)
    return network_counts(build_rf_network(sizes, seed=0))  # values unused; seeded, no global RNG


@dataclass(frozen=True)
class CountTotals:
    """Totals per inference over all layers.

    n_neurons: input tones of the first layer + oscillators (the lecture's convention).
    n_synapses: resonators on chip. footprint_devices: resonators + oscillators + input emitters.
    """

    n_neurons: int
    n_synapses: int
    n_oscillators: int
    n_input_tones: int
    n_chains: int
    chain_evaluations: int
    synaptic_ops: int
    macs: int
    neuron_ops: int
    footprint_devices: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def count_totals(counts: NetworkCounts | list[LayerCounts] | tuple[LayerCounts, ...]) -> CountTotals:
    """Sum a network's layer counts.

    Neuron ops: input tone slots (max of the input tones and the first layer's tones x
    evaluations: a time-sequential convolution re-emits its patch at every position) plus
    oscillators x evaluations.
    """
    net = as_network_counts(counts)
    layers = net.layers
    n_osc = sum(c.n_oscillators for c in layers)
    n_res = sum(c.n_resonators for c in layers)
    return CountTotals(
        n_neurons=net.n_input_tones + n_osc,
        n_synapses=n_res,
        n_oscillators=n_osc,
        n_input_tones=net.n_input_tones,
        n_chains=sum(c.n_chains for c in layers),
        chain_evaluations=sum(c.n_chains * c.evaluations for c in layers),
        synaptic_ops=sum(c.synaptic_ops for c in layers),
        macs=sum(c.macs for c in layers),
        neuron_ops=input_tone_slots(net) + sum(c.n_oscillators * c.evaluations for c in layers),
        footprint_devices=n_res + n_osc + net.n_input_tones,
    )


def input_tone_slots(net: NetworkCounts) -> int:
    """Emitter evaluations per inference: input tones, or patch tones x evaluations if more."""
    first = net.layers[0]
    return max(net.n_input_tones, first.n_inputs * first.evaluations)
