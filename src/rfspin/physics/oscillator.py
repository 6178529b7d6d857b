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

from .oscillator_numba import compiled_power

__all__ = [
    "normalized_power",
    "oscillator_current",
    "output_power",
    "oscillator_power",
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
    return _power(p0, current, resistance, magnetoresistance_ratio, spin_polarization, power_prefactor)


def _power(p0, current, resistance, magnetoresistance_ratio, spin_polarization, power_prefactor):
    """P_out = A p0 (dR/R beta)^2 R I^2 [W] for p0 [1] and I [A]."""
    return power_prefactor * p0 * (magnetoresistance_ratio * spin_polarization) ** 2 * resistance * current**2


def oscillator_power(
    voltage: Tensor,
    transconductance: Tensor | float,
    bias_voltage: Tensor | float,
    max_current: Tensor | float,
    threshold_current: Tensor | float,
    nonlinear_damping: Tensor | float,
    resistance: Tensor | float,
    magnetoresistance_ratio: Tensor | float,
    spin_polarization: Tensor | float,
    power_prefactor: Tensor | float,
) -> Tensor:
    """P_out [W] for chain voltages V [V]: :func:`output_power` of :func:`oscillator_current`.

    Same values; when only ``voltage`` needs a gradient (a network's forward pass) the derivative
    is closed-form (:class:`_OscillatorPower`) instead of a graph of ~20 elementwise nodes; on the
    CPU with numba both come from one compiled pass (:mod:`rfspin.physics.oscillator_numba`).
    """
    params = (transconductance, bias_voltage, max_current, threshold_current, nonlinear_damping, resistance,
              magnetoresistance_ratio, spin_polarization, power_prefactor)
    tensors = [torch.as_tensor(p, dtype=voltage.dtype, device=voltage.device) for p in params]
    if not torch.compiler.is_compiling() and not any(t.requires_grad for t in tensors):
        if voltage.requires_grad:
            return _OscillatorPower.apply(voltage, *tensors)
        fused = compiled_power(voltage, tensors, want_slope=False)
        if fused is not None:
            return fused[0]
    current = oscillator_current(voltage, *params[:3])
    return output_power(current, *params[3:])


class _OscillatorPower(torch.autograd.Function):
    """P(V) with its derivative, for a gradient in V only. With raw = g_m (V + V_bias),
    I = min(max(raw, 0), I_max), zeta = I / I_th, D = zeta + Q above threshold (1 below):

        dp0/dzeta = ([zeta >= 1] - p0) / D,
        dP/dV = A (dR/R beta)^2 R (dp0/dzeta I^2 / I_th + 2 p0 I) g_m s        [W/V]

    s = 1 for 0 <= raw < I_max, 1/2 at raw = I_max, 0 otherwise (the subgradients autograd takes
    for clamp and minimum). Computed in the forward pass, so the backward pass is one product.
    """

    @staticmethod
    def forward(ctx, voltage, g_m, v_bias, i_max, i_th, q, resistance, mr, beta, prefactor):
        fused = compiled_power(voltage, [g_m, v_bias, i_max, i_th, q, resistance, mr, beta, prefactor], True)
        if fused is not None:  # numba on the CPU: both in one pass
            ctx.save_for_backward(fused[1])
            ctx.shape = voltage.shape
            return fused[0]
        current = oscillator_current(voltage, g_m, v_bias, i_max)
        zeta = current / i_th
        p0 = normalized_power(zeta, q)
        power = _power(p0, current, resistance, mr, beta, prefactor)
        raw = g_m * (voltage + v_bias)
        slope = ((raw >= 0) & (raw < i_max)).to(voltage.dtype).add_((raw == i_max).to(voltage.dtype), alpha=0.5)
        slope.mul_(g_m)
        dp0 = (zeta >= 1).to(p0.dtype).sub_(p0).div_(torch.where(zeta > 1, zeta + q, torch.ones_like(zeta)))
        d_current = dp0.mul_(current).div_(i_th).add_(p0, alpha=2.0).mul_(current)
        slope.mul_(d_current).mul_(prefactor * (mr * beta) ** 2 * resistance)
        ctx.save_for_backward(slope)
        ctx.shape = voltage.shape
        return power

    @staticmethod
    def backward(ctx, grad):
        (slope,) = ctx.saved_tensors
        grad_v = grad * slope
        if grad_v.shape != ctx.shape:
            grad_v = grad_v.sum_to_size(ctx.shape)
        return grad_v, *([None] * 9)


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
