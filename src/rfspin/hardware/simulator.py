"""Simulator backend: a hidden, seeded non-ideal chip that answers like hardware.

The chip is a :class:`rfspin.nn.chip.ChipInstance`-style sample (static non-idealities drawn once
from ``seed`` for the network structure it is first programmed with; measurement noise resampled on
every call from its own generator). Each :meth:`SimulatorBackend.measure` rebuilds the network
from the program it receives, so the backend sees nothing but the program, as a real chip would.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..nn.chip import (
    chip_forward,
    chip_oscillator_tones,
    chip_resonator_voltages,
    sample_static,
)
from ..nn.resonator_layer import ResonatorChainLayer
from ..nonideal.models import (
    DeviceVariability,
    NonIdealities,
    ProgrammingError,
    VoltageNoise,
)
from ..nonideal.perturb import adc_quantize
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
    """A hidden chip: ``nonideal`` sampled with ``seed``; implements HardwareBackend."""

    def __init__(self, nonideal: NonIdealities, *, seed: int = 0) -> None:
        self._nonideal = nonideal
        self._seed = int(seed)
        self._static: dict[tuple[int, ...], dict[str, Tensor]] = {}
        self._noise = torch.Generator().manual_seed(self._seed + 1)
        self.n_measurements = 0

    def __repr__(self) -> str:
        return f"SimulatorBackend(seed={self._seed})"  # the chip's non-idealities stay hidden

    @torch.no_grad()
    def measure(self, program: dict, inputs: Tensor, *, intermediates: bool = False) -> Measurement:
        network = network_from_program(program)
        sizes = tuple(program_sizes(program))
        if sizes not in self._static:  # the fab makes this chip once
            self._static[sizes] = sample_static(network, self._nonideal, 1, torch.Generator().manual_seed(self._seed))
        static = self._static[sizes]
        x = torch.as_tensor(inputs, dtype=torch.float32)
        self.n_measurements += x.shape[0]
        if not intermediates:
            out = chip_forward(network, static, self._nonideal, x, n_chips=1, generator=self._noise)[0]
            return Measurement(out, None)
        # Same layer walk as rfspin.nn.chip.chip_forward, keeping the hidden chain voltages.
        hidden = []
        v = (x * network.input_power).unsqueeze(0)
        freqs = network.resonator_layers[0].tone_frequencies
        for index, layer in enumerate(network.layers):
            if isinstance(layer, ResonatorChainLayer):
                v = chip_resonator_voltages(layer, static, index, self._nonideal, freqs, v, 1, self._noise)
                hidden.append(v[0])
            else:
                freqs, v = chip_oscillator_tones(layer, static, index, self._nonideal, v, self._noise)
        adc = self._nonideal.adc
        return Measurement(adc_quantize(v, adc.bits, adc.full_scale)[0], hidden[:-1])
