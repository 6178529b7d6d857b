"""Spin-torque oscillators in time: pure functions of the universal auto-oscillator model.

Slavin and Tiberkevich, IEEE Trans. Magn. 45, 1875 (2009); Kim, Tiberkevich and Slavin, PRL 100,
017207 (2008). Complex amplitude c (dimensionless), power p = |c|^2, c ~ exp(-i w t):

    dc/dt = -i w(p) c - G+(p) c + G-(p) c + f_e(t) + f_n(t)                      [1/s]
    w(p)  = w0 + N_rad p                    nonlinear frequency shift N_rad = 2 pi N   [rad/s]
    G+(p) = G_G (1 + Q p)                   positive (Gilbert) damping                 [1/s]
    G-(p) = G_G zeta(t) (1 - p)             spin-transfer negative damping, zeta = I(t)/I_th
    f_e   = sum_d F_d exp(-i (w_d t + phi_d)) + sum_j Omega_ij c_j    RF drives, coupling [1/s]
    <f_n(t) f_n*(t')> = 2 D(p) delta(t - t'),  D(p) = G+(p) k_B T / E_0    thermal noise [1/s]

E(p) = E_0 p is the oscillation energy. Steady state (no noise, no drive): p0 = (zeta - 1) /
(zeta + Q), frequency f0 + N p0 (:func:`rfspin.physics.oscillator.normalized_power`). Small power
deviations relax at 2 G_p, G_p = G_G (zeta - 1) (linearise dp/dt = 2 p (G- - G+) at p0).
Dimensionless nonlinear shift nu = N_rad p0 / G_p. Weak drive F locks the phase (Adler) when the
detuning is below the half-width F sqrt(1 + nu^2) / sqrt(p0) [rad/s] (Slavin-Tiberkevich 2009,
sec. VI). Far above threshold the phase diffuses and the line is a Lorentzian of full width at
half maximum 2 dw = G+(p0) (k_B T / E(p0)) (1 + nu^2) [rad/s] (Kim et al. 2008, eq. 3; the
half-width convention follows from the noise correlator above: the phase diffuses with
<dphi^2> = (D / p0)(1 + nu^2) t). Validity: p0 >> k_B T / E_0 (far above threshold).

Emitted RF power P(t) = A p(t) (dR/R beta)^2 R I(t)^2 [W] (the network's neuron with p0 -> p(t));
a spin-diode resonator rectifies V = P G(f; f_r) [V] (:mod:`rfspin.physics.resonator`).

API: ``steady_state_power``, ``steady_state_frequency``, ``power_relaxation_rate``,
``nonlinear_shift_ratio``, ``locking_half_width``, ``generation_linewidth``, ``noise_intensity``,
``amplitude_drift`` (deterministic dc/dt, complex), ``power_derivative`` (dp/dt), ``emitted_power``, ``rectified_voltage``,
``instantaneous_frequency``. ``params`` is an :class:`AutoOscillatorParams`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..physics.oscillator import normalized_power
from ..physics.resonator import lineshape
from .junction_params import BOLTZMANN_CONSTANT
from .oscillator_params import AutoOscillatorParams

__all__ = [
    "amplitude_drift",
    "emitted_power",
    "generation_linewidth",
    "instantaneous_frequency",
    "locking_half_width",
    "noise_intensity",
    "nonlinear_shift_ratio",
    "power_derivative",
    "power_relaxation_rate",
    "rectified_voltage",
    "steady_state_frequency",
    "steady_state_power",
]


def _ratio(current: Tensor | float, params: AutoOscillatorParams) -> Tensor:
    """zeta = I / I_th [1]; Python numbers become float64 tensors."""
    if not isinstance(current, Tensor):
        current = torch.as_tensor(current, dtype=torch.float64)
    return current / params.threshold_current


def steady_state_power(current: Tensor | float, params: AutoOscillatorParams) -> Tensor:
    """p0 = (zeta - 1)/(zeta + Q) above threshold, 0 below [1] (zeta = I / I_th, I in A)."""
    return normalized_power(_ratio(current, params), params.nonlinear_damping)


def steady_state_frequency(current: Tensor | float, params: AutoOscillatorParams) -> Tensor:
    """f = f0 + N p0 [Hz]."""
    return params.free_running_frequency + params.nonlinear_frequency_shift * steady_state_power(current, params)


def power_relaxation_rate(current: Tensor | float, params: AutoOscillatorParams) -> Tensor:
    """2 G_p = 2 G_G (zeta - 1) [1/s]: rate at which small power deviations decay (0 below threshold)."""
    return 2.0 * params.damping_rate * torch.clamp(_ratio(current, params) - 1.0, min=0.0)


def nonlinear_shift_ratio(current: Tensor | float, params: AutoOscillatorParams) -> Tensor:
    """nu = N_rad p0 / G_p = N_rad / (G_G (zeta + Q)) above threshold [1]."""
    zeta = _ratio(current, params)
    return params.nonlinear_frequency_shift_rad / (params.damping_rate * (zeta + params.nonlinear_damping))


def locking_half_width(drive_amplitude: Tensor | float, current: Tensor | float, params: AutoOscillatorParams) -> Tensor:
    """Adler locking half-width F sqrt(1 + nu^2) / sqrt(p0) [rad/s] of a weak drive F [1/s].

    Valid for F / sqrt(p0) << G_p (weak drive); above threshold only.
    """
    p0 = steady_state_power(current, params)
    nu = nonlinear_shift_ratio(current, params)
    return drive_amplitude * torch.sqrt(1.0 + nu * nu) / torch.sqrt(p0)


def generation_linewidth(current: Tensor | float, params: AutoOscillatorParams,
                         temperature: Tensor | float | None = None) -> Tensor:
    """FWHM linewidth G+(p0) (k_B T / E(p0)) (1 + nu^2) / (2 pi) [Hz], far above threshold.

    ``temperature`` [K] overrides ``params.temperature``.
    """
    t = params.temperature if temperature is None else temperature
    p0 = steady_state_power(current, params)
    gamma_plus = params.damping_rate * (1.0 + params.nonlinear_damping * p0)
    nu = nonlinear_shift_ratio(current, params)
    energy = params.oscillation_energy_scale * p0
    return gamma_plus * (BOLTZMANN_CONSTANT * t / energy) * (1.0 + nu * nu) / (2.0 * math.pi)


def noise_intensity(power: Tensor, params: AutoOscillatorParams, temperature: Tensor | float | None = None) -> Tensor:
    """D(p) = G+(p) k_B T / E_0 [1/s]: <f_n f_n*> = 2 D delta(t - t'), D per real component."""
    t = params.temperature if temperature is None else temperature
    return params.damping_rate * (1.0 + params.nonlinear_damping * power) * (BOLTZMANN_CONSTANT * t
                                                                            / params.oscillation_energy_scale)


def amplitude_drift(
    amplitude: Tensor,
    current: Tensor | float,
    params: AutoOscillatorParams,
    *,
    reference_angular_frequency: float = 0.0,
    free_running_frequency: Tensor | float | None = None,
    external: Tensor | float = 0.0,
) -> Tensor:
    """Deterministic dc/dt [1/s] in a frame rotating at ``reference_angular_frequency`` [rad/s].

    ``amplitude``: complex c' = c exp(i w_r t); ``current`` [A] broadcasts against it;
    ``free_running_frequency`` [Hz] overrides f0 per device; ``external``: the drive and coupling
    terms f_e already expressed in the rotating frame (complex, 1/s).
    """
    p = amplitude.real**2 + amplitude.imag**2
    f0 = params.free_running_frequency if free_running_frequency is None else free_running_frequency
    detuning = 2.0 * math.pi * f0 + params.nonlinear_frequency_shift_rad * p - reference_angular_frequency
    zeta = _ratio(current, params)
    gain = params.damping_rate * (zeta * (1.0 - p) - 1.0 - params.nonlinear_damping * p)
    return (gain - 1j * detuning) * amplitude + external


def power_derivative(power: Tensor, current_ratio: Tensor, damping_rate: Tensor | float,
                     nonlinear_damping: Tensor | float) -> Tensor:
    """dp/dt = 2 p (G- - G+) = 2 p G_G (zeta (1 - p) - 1 - Q p) [1/s]: the power equation without noise or drive."""
    return 2.0 * power * damping_rate * (current_ratio * (1.0 - power) - 1.0 - nonlinear_damping * power)


def emitted_power(power: Tensor, current: Tensor | float, params: AutoOscillatorParams) -> Tensor:
    """P = A p (dR/R beta)^2 R I^2 [W]; equals the neuron's output power when p = p0."""
    scale = params.power_prefactor * (params.magnetoresistance_ratio * params.spin_polarization) ** 2 * params.resistance
    return scale * power * current**2


def rectified_voltage(
    rf_power: Tensor,
    frequency: Tensor | float,
    resonance_frequency: Tensor | float,
    resonator,
) -> Tensor:
    """V = P G(f; f_r) [V]: what a spin-diode resonator (``ResonatorParams``) rectifies from P [W] at f [Hz]."""
    fr = torch.as_tensor(resonance_frequency, dtype=rf_power.dtype, device=rf_power.device)
    return rf_power * lineshape(
        torch.as_tensor(frequency, dtype=rf_power.dtype, device=rf_power.device), fr, resonator.sensitivity,
        resonator.damping, resonator.antisymmetric_weight, resonator.symmetric_weight,
    )


def instantaneous_frequency(amplitude: Tensor, sample_interval: float, reference_frequency: float = 0.0) -> Tensor:
    """f = f_r - (d arg c' / dt) / (2 pi) [Hz] from samples (records, ...) of the rotating-frame c'.

    Uses the phase increment between consecutive samples (arg(c'_{k+1} conj(c'_k))), so the
    result has one row fewer; exact while |f - f_r| < 1 / (2 sample_interval).
    """
    step = torch.angle(amplitude[1:] * amplitude[:-1].conj())
    return reference_frequency - step / (2.0 * math.pi * sample_interval)
