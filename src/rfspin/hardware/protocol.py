"""The hardware backend protocol: program a chip, send inputs, read back voltages.

Any object with a ``measure`` method of this signature is a backend (``typing.Protocol``: no
base class to inherit). rfspin ships three: :class:`~rfspin.hardware.simulator.SimulatorBackend`
(a hidden, seeded non-ideal chip), :class:`~rfspin.hardware.function.FunctionBackend` (calls your
lab code) and :class:`~rfspin.hardware.replay.ReplayBackend` (recorded measurements).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol, runtime_checkable

import torch
from torch import Tensor

from ..errors import RfspinError

__all__ = ["Measurement", "HardwareBackend", "check_measurement", "program_sizes"]


class Measurement(NamedTuple):
    """What a backend returns.

    outputs_v: (B, n_out) output chain voltages [V].
    intermediates: None, or one (B, J_l) tensor of chain voltages [V] per hidden resonator layer
        (the DC voltages that drive each oscillator layer), in network order.
    """

    outputs_v: Tensor
    intermediates: list[Tensor] | None = None


@runtime_checkable
class HardwareBackend(Protocol):
    def measure(self, program: dict, inputs: Tensor, *, intermediates: bool = False) -> Measurement:
        """Program the chip with ``program`` and measure it on ``inputs``.

        program: a chip program dict (:func:`rfspin.program.export_program`; schema
            ``rfspin.chip_program``): every resonance frequency, bias and device setting.
        inputs: (B, I) normalised input powers in [0, 1]; tone i is sent at
            ``program["input"]["frequencies_hz"][i]`` with power ``inputs[b, i] *
            program["input"]["power_per_unit_w"]``.
        intermediates: also return the hidden chain voltages if the hardware can read them
            (a backend that cannot returns ``intermediates=None``).
        Returns a :class:`Measurement` in volts. Must not require gradients.
        """
        ...


def program_sizes(program: dict) -> list[int]:
    sizes = program.get("sizes") if isinstance(program, dict) else None
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise RfspinError("chip program: missing or invalid 'sizes' (expected a list like [256, 128, 10])")
    return [int(s) for s in sizes]


def check_measurement(measurement: Measurement, program: dict, n_samples: int, where: str) -> Measurement:
    """Validate shapes and finiteness of a backend's answer; float32 tensors out."""
    sizes = program_sizes(program)
    out = torch.as_tensor(measurement.outputs_v, dtype=torch.float32)
    if out.shape != (n_samples, sizes[-1]):
        raise RfspinError(f"{where}: outputs have shape {tuple(out.shape)}, expected ({n_samples}, {sizes[-1]})")
    if not bool(torch.isfinite(out).all()):
        raise RfspinError(f"{where}: outputs contain non-finite voltages")
    inter = measurement.intermediates
    if inter is not None:
        inter = [torch.as_tensor(v, dtype=torch.float32) for v in inter]
        expected = [(n_samples, s) for s in sizes[1:-1]]
        if [tuple(v.shape) for v in inter] != expected:
            raise RfspinError(f"{where}: intermediate shapes {[tuple(v.shape) for v in inter]}, expected {expected}")
        if not all(bool(torch.isfinite(v).all()) for v in inter):
            raise RfspinError(f"{where}: intermediate voltages contain non-finite values")
    return Measurement(out, inter)
