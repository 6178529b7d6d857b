"""Simulator backend: a hidden, seeded non-ideal chip that answers like hardware.

The chip is a :class:`rfspin.nn.chip.ChipInstance`-style sample (static non-idealities drawn once
from ``seed`` for the network structure it is first programmed with; measurement noise resampled on
every call from its own generator). Each :meth:`SimulatorBackend.measure` rebuilds the network
from the program it receives, so the backend sees nothing but the program, as a real chip would.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..device import resolve_device
from ..nn.chip import ChipHooks, sample_static
from ..nn.chip_static import StaticSample
from ..nn.engine import run_layers
from ..nonideal.models import (
    DeviceVariability,
    NonIdealities,
    ProgrammingError,
    VoltageNoise,
)
from ..program.chip_program import network_from_program
from .protocol import Measurement, program_sizes

__all__ = ["SimulatorBackend", "hidden_chip_nonidealities"]


def hidden_chip_nonidealities(
    programming_error: float = 0.01,
    variability: float = 0.05,
    noise_v: float = 1e-4,
    oscillator_frequency_variability: float = 0.0,
) -> NonIdealities:
    """The hidden chip of the acceptance test: f_r written with ``programming_error`` (relative
    std), every device parameter (damping, K, a_A/a_S mix, I_th, Q, emitted power) varied with
    relative std ``variability``, Gaussian measurement noise ``noise_v`` [V] on every chain voltage.
    """
    return NonIdealities(
        programming_error=ProgrammingError(relative_sigma=programming_error),
        variability=DeviceVariability(
            damping_sigma=variability,
            sensitivity_sigma=variability,
            mix_sigma=variability,
            threshold_current_sigma=variability,
            nonlinear_damping_sigma=variability,
            oscillator_power_sigma=variability,
            oscillator_frequency_sigma=oscillator_frequency_variability,
        ),
        voltage_noise=VoltageNoise(extra_sigma=noise_v),
    )


class SimulatorBackend:
    """A hidden chip: ``nonideal`` sampled with ``seed``; implements HardwareBackend.

    ``device``: where the chip is simulated (default the CPU). Its static sample and noise are
    drawn by CPU generators, so a seed is the same chip, with the same noise, on any device.
    """

    def __init__(self, nonideal: NonIdealities, *, seed: int = 0, device: torch.device | str = "cpu") -> None:
        self._nonideal = nonideal
        self._seed = int(seed)
        self._device = resolve_device(device)
        self._static: dict[tuple[int, ...], StaticSample] = {}
        self._noise = torch.Generator().manual_seed(self._seed + 1)
        self.n_measurements = 0

    def __repr__(self) -> str:
        return f"SimulatorBackend(seed={self._seed})"  # the chip's non-idealities stay hidden

    @torch.no_grad()
    def measure(self, program: dict, inputs: Tensor, *, intermediates: bool = False) -> Measurement:
        network = network_from_program(program).to(self._device)
        sizes = tuple(program_sizes(program))
        if sizes not in self._static:  # the fab makes this chip once
            self._static[sizes] = sample_static(network, self._nonideal, 1, torch.Generator().manual_seed(self._seed))
        x = torch.as_tensor(inputs).to(device=self._device, dtype=network.dtype)
        self.n_measurements += x.shape[0]
        hooks = ChipHooks(self._static[sizes], self._nonideal, self._noise, record_hidden=intermediates)
        out = run_layers(network.layers, (x * network.input_power).unsqueeze(0), hooks)[0]
        hidden = None if not intermediates else [v[0] for v in hooks.hidden_voltages]
        return Measurement(out, hidden)
