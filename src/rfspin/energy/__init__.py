"""Energy, latency and area per inference of RF spintronic networks, with every assumption visible.

Counts come from the layers (``layer_counts()``), device figures from a named
:class:`TechnologyPreset`, and :func:`estimate_energy` turns both into per-layer energy terms
(power x time), latency from the device physics and area from pitches. ``platforms`` holds the
published MNIST platform table the lecture compares against.
"""

from .activity import activation_stats
from .counting import (
    LECTURE_CNN_COUNTS,
    NAMED_ARCHITECTURES,
    CountTotals,
    NetworkCounts,
    architecture_counts,
    count_totals,
    model_layer_counts,
    network_counts,
    parse_architecture,
)
from .model import (
    TERMS,
    EnergyEstimate,
    estimate_energy,
    oscillator_settle_time,
    resonator_settle_time,
)
from .platforms import Platform, load_platforms
from .presets import (
    PER_OP_20NM,
    PRESETS,
    ROSS2023_VORTEX,
    SPINTRONIC_20NM,
    TechnologyPreset,
    preset_for,
)

__all__ = [
    "activation_stats",
    "CountTotals",
    "EnergyEstimate",
    "LECTURE_CNN_COUNTS",
    "NetworkCounts",
    "NAMED_ARCHITECTURES",
    "PER_OP_20NM",
    "PRESETS",
    "Platform",
    "ROSS2023_VORTEX",
    "SPINTRONIC_20NM",
    "TERMS",
    "TechnologyPreset",
    "architecture_counts",
    "count_totals",
    "estimate_energy",
    "load_platforms",
    "model_layer_counts",
    "network_counts",
    "oscillator_settle_time",
    "parse_architecture",
    "preset_for",
    "resonator_settle_time",
]
