"""Declared capabilities of models, checked with ``isinstance`` instead of probing attributes.

- :class:`Trainable`: what the trainers need: ``logits(inputs)`` (the loss-side outputs) and
  ``project_()`` (called after every optimizer step to keep parameters physical; a no-op for
  software baselines). RF networks, CNNs, software baselines, chip instances and the training
  wrappers (hardware-aware, chip-in-the-loop) all are.
- :class:`WrapsNetwork`: a training view of an RF network (hardware-aware, chip-in-the-loop, a
  chip instance): its ``network`` attribute is what checkpoints and chip programs hold.
- :class:`CountsDevices`: a layer (or whole network) that reports its devices and operations per
  inference, ``layer_counts()`` (energy, latency and area estimates); :class:`CountsNeurons`: a
  network that knows its neuron count ``n_neurons`` (input tones + oscillators).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from torch import Tensor, nn

__all__ = ["CountsDevices", "CountsNeurons", "Trainable", "WrapsNetwork"]


@runtime_checkable
class Trainable(Protocol):
    def logits(self, inputs: Tensor) -> Tensor:
        """Loss-side outputs (B, n_classes) for normalised inputs."""
        ...

    def project_(self) -> None:
        """Projection after an optimizer step (in place)."""
        ...


@runtime_checkable
class WrapsNetwork(Protocol):
    network: nn.Module


@runtime_checkable
class CountsDevices(Protocol):
    def layer_counts(self):
        """One LayerCounts, or a list of them for a whole network."""
        ...


@runtime_checkable
class CountsNeurons(Protocol):
    n_neurons: int
