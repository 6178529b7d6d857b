"""Per-layer device and operation counts, the common currency of energy/latency/area estimates.

Every RF layer implements ``layer_counts() -> LayerCounts``. Counts are per inference (one input
sample). NeuroBench names where they apply: footprint ~ devices, synaptic operations, effective
MACs.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LayerCounts"]


@dataclass(frozen=True)
class LayerCounts:
    """Counts of one layer for one inference.

    kind: layer type ("resonator_chains", "oscillators", or a layer's own name, e.g. "rf_conv").
    n_resonators: resonator devices on chip (synapses, footprint).
    n_chains: series chains of resonators (each read out as one DC voltage).
    n_oscillators: oscillator devices (neurons).
    n_inputs: RF tones on the line feeding one evaluation of the layer.
    evaluations: times the layer's chains are read per inference (1 for dense layers; output
        positions for a time-sequential convolution).
    synaptic_ops: resonator rectifications per inference (n_resonators x evaluations for chains).
    macs: multiply-accumulates of the equivalent dense operation per inference.
    """

    kind: str
    n_resonators: int = 0
    n_chains: int = 0
    n_oscillators: int = 0
    n_inputs: int = 0
    evaluations: int = 1
    synaptic_ops: int = 0
    macs: int = 0
