"""Spin-torque nano-oscillator (STNO) neuron: DC current in, RF power out.

Slavin-Tiberkevich universal oscillator model (A. Slavin and V. Tiberkevich, IEEE Trans. Magn.
45, 1875 (2009)), as used for the neurons of Ross et al., Nat. Nanotechnol. 18, 1273 (2023):

    zeta = I / I_th
    p0(zeta) = (zeta - 1) / (zeta + Q)   for zeta > 1, else 0          [1]
    P_out = A * p0 * (dR/R * beta)^2 * R * I^2                         [W]
    f = f0 + N * p0                                                    [Hz]
    I = g_m * (V + V_bias), clamped to [0, zeta_max * I_th]            [A]

Generation linewidth (FWHM, rad/s -> Hz), Kim, Tiberkevich, Slavin, PRL 100, 017207 (2008):

    2 dw = Gamma_plus(p0) * (k_B T / E(p0)) * (1 + nu^2),  nu = N / (Gamma_G (Q + zeta))

Amplitude relaxation rate above threshold: Gamma_p = Gamma_G (zeta - 1) (1/s), which sets the
neuron's settling time 1/Gamma_p.

Time domain, complex amplitude c with p = |c|^2 (stochastic term excluded here):

    dc/dt = -i w(p) c - Gamma_G (1 + Q p) c + sigma I (1 - p) c,   sigma I_th = Gamma_G
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "normalized_power",
    "oscillator_current",
    "output_power",
    "emitted_frequency",
    "amplitude_relaxation_rate",
    "generation_linewidth",
    "amplitude_derivative",
]

BOLTZMANN_CONSTANT = 1.380649e-23  # J/K (exact, SI 2019)


def normalized_power(current_ratio: Tensor, nonlinear_damping: Tensor | float) -> Tensor:
    """p0 = (zeta - 1)/(zeta + Q) above threshold (zeta > 1), 0 below [1].

    Continuous at threshold; the derivative is 0 below and 1/(1 + Q) just above. Below threshold
    the denominator is replaced by 1 (for Q <= 0 it vanishes at zeta = -Q, where 0/0 would be NaN).
    """
    above = torch.clamp(current_ratio - 1.0, min=0.0)
    denominator = torch.where(above > 0, current_ratio + nonlinear_damping, torch.ones_like(current_ratio))
    return above / denominator


def oscillator_current(
    voltage: Tensor,
    transconductance: Tensor | float,
    bias_voltage: Tensor | float,
    max_current: Tensor | float,
) -> Tensor:
    """I = g_m (V + V_bias) [A], clamped to 0 <= I <= I_max (device protection)."""
    current = transconductance * (voltage + bias_voltage)
    return torch.minimum(torch.clamp(current, min=0.0), torch.as_tensor(max_current, dtype=current.dtype))


def output_power(
    current: Tensor,
    threshold_current: Tensor | float,
    nonlinear_damping: Tensor | float,
    resistance: Tensor | float,
    magnetoresistance_ratio: Tensor | float,
    spin_polarization: Tensor | float,
    power_prefactor: Tensor | float,
) -> Tensor:
    """P_out = A p0(I/I_th) (dR/R beta)^2 R I^2 [W]."""
    p0 = normalized_power(current / threshold_current, nonlinear_damping)
    return power_prefactor * p0 * (magnetoresistance_ratio * spin_polarization) ** 2 * resistance * current**2


def emitted_frequency(
    free_running_frequency: Tensor | float, nonlinear_frequency_shift: Tensor | float, p0: Tensor
) -> Tensor:
    """f = f0 + N p0 [Hz]."""
    return free_running_frequency + nonlinear_frequency_shift * p0


def amplitude_relaxation_rate(current_ratio: Tensor, relaxation_rate: Tensor | float) -> Tensor:
    """Gamma_p = Gamma_G (zeta - 1) [1/s] above threshold, 0 below (critical slowing down)."""
    return relaxation_rate * torch.clamp(current_ratio - 1.0, min=0.0)


def generation_linewidth(
    current_ratio: Tensor,
    nonlinear_damping: Tensor | float,
    relaxation_rate: Tensor | float,
    oscillation_energy_scale: Tensor | float,
    temperature: Tensor | float,
    nonlinear_frequency_shift_rad: Tensor | float = 0.0,
) -> Tensor:
    """Full linewidth 2 dw / (2 pi) [Hz] far above threshold (Kim et al. 2008).

    Gamma_plus(p0) = Gamma_G (1 + Q p0) is the positive damping at the stationary power,
    E(p0) = E_0 * p0 the oscillation energy with scale ``oscillation_energy_scale`` [J],
    nu = N / (Gamma_G (Q + zeta)) with N in rad/s. Diverges as p0 -> 0 (broadening near
    threshold); callers clamp to a minimum linewidth.
    """
    p0 = normalized_power(current_ratio, nonlinear_damping)
    gamma_plus = relaxation_rate * (1.0 + nonlinear_damping * p0)
    nu = nonlinear_frequency_shift_rad / (relaxation_rate * (nonlinear_damping + current_ratio))
    energy = oscillation_energy_scale * p0
    return gamma_plus * (BOLTZMANN_CONSTANT * temperature / energy) * (1.0 + nu * nu) / (2.0 * math.pi)


def amplitude_derivative(
    amplitude: Tensor,
    current_ratio: Tensor | float,
    angular_frequency: Tensor | float,
    nonlinear_frequency_shift_rad: Tensor | float,
    nonlinear_damping: Tensor | float,
    relaxation_rate: Tensor | float,
) -> Tensor:
    """dc/dt [1/s] of the universal oscillator model (deterministic part), complex c.

    w(p) = w0 + N p; sigma I = Gamma_G zeta. The stationary power of this equation is p0.
    """
    p = amplitude.real**2 + amplitude.imag**2
    omega = angular_frequency + nonlinear_frequency_shift_rad * p
    gain = relaxation_rate * current_ratio * (1.0 - p)
    loss = relaxation_rate * (1.0 + nonlinear_damping * p)
    return (-1j * omega + gain - loss) * amplitude
