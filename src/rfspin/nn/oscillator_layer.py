"""Oscillator neurons: DC chain voltage -> current -> RF power at each neuron's frequency.

I = g_m (V + V_bias) clamped to [0, zeta_max I_th]; P = A p0(I/I_th) (dR/R beta)^2 R I^2;
f = f0 + N p0 (:mod:`rfspin.physics.oscillator`). The layer hands the next one its Tones.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import RfspinError
from ..physics.oscillator import (
    emitted_frequency,
    normalized_power,
    oscillator_current,
    oscillator_power,
    output_power,
)
from ..physics.params import ROSS2023_OSCILLATOR, OscillatorParams
from .counts import LayerCounts
from .tones import Tones

__all__ = ["OscillatorLayer", "OSCILLATOR_FIELDS"]

#: Per-neuron buffers, named as the OscillatorParams fields they come from.
OSCILLATOR_FIELDS = (
    "threshold_current",
    "nonlinear_damping",
    "resistance",
    "magnetoresistance_ratio",
    "spin_polarization",
    "max_current_ratio",
    "transconductance",
    "bias_voltage",
    "nonlinear_frequency_shift",
)


class OscillatorLayer(nn.Module):
    """N spin-torque oscillators with free-running frequencies ``frequencies`` (N,) [Hz]."""

    def __init__(
        self,
        frequencies: Tensor,
        oscillator: OscillatorParams = ROSS2023_OSCILLATOR,
        *,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        freqs = torch.as_tensor(frequencies, dtype=torch.float64).flatten()
        if freqs.numel() < 1 or not bool(torch.isfinite(freqs).all()) or bool((freqs <= 0).any()):
            raise RfspinError("oscillator frequencies: must be a non-empty set of finite frequencies > 0 Hz")
        self.oscillator = oscillator
        n = freqs.numel()
        self.register_buffer("frequencies", freqs.to(dtype))
        for name in OSCILLATOR_FIELDS:
            self.register_buffer(name, torch.full((n,), float(getattr(oscillator, name)), dtype=dtype))
        self.register_buffer("power_prefactor", torch.full((n,), oscillator.power_prefactor, dtype=dtype))
        self._shift_key: tuple | None = None
        self._shift = oscillator.nonlinear_frequency_shift != 0

    @property
    def n_neurons(self) -> int:
        return self.frequencies.numel()

    def current(self, voltage: Tensor) -> Tensor:
        """Oscillator currents (B, N) [A] for chain voltages (B, N) [V]."""
        i_max = self.max_current_ratio * self.threshold_current
        return oscillator_current(voltage, self.transconductance, self.bias_voltage, i_max)

    def window_voltage(self, level: float | Tensor) -> Tensor:
        """Chain voltage (N,) [V] at ``level`` of each neuron's working window: 0 = threshold
        (I = I_th), 1 = clamp (I = zeta_max I_th); V = I / g_m - V_bias."""
        current = self.threshold_current * (1.0 + level * (self.max_current_ratio - 1.0))
        return current / self.transconductance - self.bias_voltage

    def has_frequency_shift(self) -> bool:
        """Whether any neuron's frequency depends on its power (N != 0): per-sample tones.

        Looked at once per change of the buffer (version-keyed), not on every forward: no host
        synchronisation inside the forward pass. Under ``torch.compile`` the flag of the last
        eager look is used (the compiled graph is guarded on it).
        """
        if torch.compiler.is_compiling():
            return self._shift
        buf = self.nonlinear_frequency_shift
        key = (buf.data_ptr(), buf._version, buf.device)
        if key != self._shift_key:
            self._shift = bool((buf != 0).any())
            self._shift_key = key
        return self._shift

    def forward(self, voltage: Tensor) -> Tones:
        """Chain voltages (B, N) [V] (any real dtype, converted) -> the emitted Tones."""
        if not isinstance(voltage, Tensor) or voltage.dim() != 2 or voltage.shape[-1] != self.n_neurons:
            shape = tuple(voltage.shape) if isinstance(voltage, Tensor) else type(voltage).__name__
            raise RfspinError(f"oscillator input: shape {shape} != (batch, {self.n_neurons})")
        if voltage.dtype == torch.bool or voltage.is_complex():
            raise RfspinError(f"oscillator input: dtype {voltage.dtype} is not a real number type")
        voltage = voltage.to(self.frequencies.dtype)
        if not bool(torch.isfinite(voltage).all()):  # one host sync, on the checked path only
            bad = voltage[~torch.isfinite(voltage)].flatten()[0].item()
            raise RfspinError(f"oscillator input: contains {bad!r}; chain voltages must be finite")
        return self.emit(voltage)

    def emit(self, voltage: Tensor) -> Tones:
        """Unchecked forward: voltages (..., N) [V] -> Tones (frequencies (N,) or (..., N) [Hz], powers [W])."""
        if not self.has_frequency_shift():  # closed-form derivative (one node of the autograd graph)
            return Tones(self.frequencies, oscillator_power(
                voltage, self.transconductance, self.bias_voltage, self.max_current_ratio * self.threshold_current,
                self.threshold_current, self.nonlinear_damping, self.resistance, self.magnetoresistance_ratio,
                self.spin_polarization, self.power_prefactor))
        current = self.current(voltage)
        power = output_power(
            current,
            self.threshold_current,
            self.nonlinear_damping,
            self.resistance,
            self.magnetoresistance_ratio,
            self.spin_polarization,
            self.power_prefactor,
        )
        p0 = normalized_power(current / self.threshold_current, self.nonlinear_damping)
        return Tones(emitted_frequency(self.frequencies, self.nonlinear_frequency_shift, p0), power)

    def layer_counts(self) -> LayerCounts:
        """Devices per inference: every oscillator runs once."""
        return LayerCounts(kind="oscillators", n_oscillators=self.n_neurons, n_inputs=self.n_neurons)

    def extra_repr(self) -> str:
        return f"neurons={self.n_neurons}"
