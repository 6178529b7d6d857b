"""Oscillators in time against theory: Adler locking half-width and the thermal linewidth (float64)."""

from __future__ import annotations

import math
from dataclasses import replace

import torch

from rfspin.dynamics import (
    ROSS2023_OSCILLATOR,
    OscillatorSimConfig,
    RFDrive,
    generation_linewidth,
    locking_half_width,
    nonlinear_shift_ratio,
    power_relaxation_rate,
    simulate_oscillators,
    steady_state_power,
)
from rfspin.dynamics.junction_params import BOLTZMANN_CONSTANT

F64 = torch.float64
CURRENT = 20e-6  # zeta = 2: p0 = 0.25, G_p = G_G


def _with_shift(nu: float, **changes):
    """ROSS2023 with N such that nu = N_rad p0 / G_p at zeta = 2 (N_rad = nu G_G (zeta + Q))."""
    base = ROSS2023_OSCILLATOR
    shift_rad = nu * base.damping_rate * (CURRENT / base.threshold_current + base.nonlinear_damping)
    return replace(base, nonlinear_frequency_shift=shift_rad / (2 * math.pi), **changes)


def test_adler_half_width_with_nonlinear_enhancement():
    """Locking band edges at three weak drives: half-width = F sqrt(1 + nu^2)/sqrt(p0) within 5 %.

    nu = 2 (enhancement sqrt(5) = 2.24). Drives give predicted half-widths of 0.1, 0.15, 0.2 G_p
    (weak drive). Devices sit at detunings 0.90..1.10 x the prediction on both sides of the drive;
    a device is locked when its phase in the drive's frame slips by less than pi over the last 3/4
    of a window of 50 / half-width (an unlocked one at 1.02 x slips by >= 7 rad). Deterministic
    (T = 0), so the only tolerance is the grid step 0.02.
    """
    params = _with_shift(2.0)
    p0 = float(steady_state_power(CURRENT, params))
    nu = float(nonlinear_shift_ratio(CURRENT, params))
    gamma_p = 0.5 * float(power_relaxation_rate(CURRENT, params))
    drive_frequency = 30e6
    predicted = torch.tensor([0.1, 0.15, 0.2], dtype=F64) * gamma_p
    ratios = torch.linspace(0.9, 1.1, 11, dtype=F64)
    signed = torch.cat([ratios, -ratios])
    amplitude = (predicted * math.sqrt(p0) / math.sqrt(1 + nu * nu))[:, None].expand(3, 22).flatten()
    torch.testing.assert_close(locking_half_width(amplitude, CURRENT, params), predicted.repeat_interleave(22))
    detuning = (signed[None, :] * predicted[:, None]).flatten()  # w(p0) - w_e [rad/s]
    frequencies = drive_frequency - params.nonlinear_frequency_shift * p0 + detuning / (2 * math.pi)
    config = OscillatorSimConfig(duration=50 / float(predicted.min()), time_step=2.5e-8, record_every=20,
                                 reference_frequency=drive_frequency, max_step_fraction=0.2)
    trace = simulate_oscillators(params, torch.full((66,), CURRENT, dtype=F64), config,
                                 drives=(RFDrive(drive_frequency, amplitude),), frequencies=frequencies,
                                 temperature=0.0, dtype=F64)
    slips = torch.angle(trace.amplitude[1:] * trace.amplitude[:-1].conj())[:, 0]
    locked = (slips[slips.shape[0] // 4:].sum(0).abs() < math.pi).view(3, 2, 11)

    def edge(side):
        first_unlocked = int(side.int().argmin())
        assert side[:first_unlocked].all() and not side[first_unlocked:].any()
        return 0.5 * float(ratios[first_unlocked - 1] + ratios[first_unlocked])

    for amp in range(3):
        half_width = 0.5 * (edge(locked[amp, 0]) + edge(locked[amp, 1]))  # in units of the prediction
        assert abs(half_width - 1.0) <= 0.05, (amp, half_width)


def test_thermal_linewidth_at_two_temperatures():
    """FWHM from phase diffusion = G+(p0) (k_B T/E(p0)) (1 + nu^2) within 15 % at 300 K and 100 K.

    Validity: far above threshold, k_B T / E(p0) << 1 (here 0.02 and 0.007). The phase variance
    over a window tau is FWHM_lin [(1 + nu^2) tau - nu^2 (1 - exp(-2 G_p tau)) / (2 G_p)]
    (Kim et al. PRL 100, 017207 (2008)), and FWHM = FWHM_lin (1 + nu^2). 7,000 independent windows give a
    relative standard error of sqrt(2/7000) = 1.7 %: the 15 % bound is > 8 sigma.
    """
    params = _with_shift(1.0, oscillation_energy_scale=200 * BOLTZMANN_CONSTANT * 300.0)
    nu = float(nonlinear_shift_ratio(CURRENT, params))
    decay = float(power_relaxation_rate(CURRENT, params))
    dt, window, burn, windows = 5e-8, 100, 40, 8
    tau = window * dt
    bracket = (1 + nu * nu) * tau - nu * nu * (1 - math.exp(-decay * tau)) / decay
    config = OscillatorSimConfig(duration=(burn + windows * window) * dt, time_step=dt, max_step_fraction=0.2)
    for seed, temperature in enumerate((300.0, 100.0)):
        trace = simulate_oscillators(params, torch.tensor([CURRENT], dtype=F64), config, trials=1000,
                                     temperature=temperature, generator=torch.Generator().manual_seed(seed),
                                     dtype=F64)
        phase = torch.cumsum(torch.angle(trace.amplitude[1:] * trace.amplitude[:-1].conj())[:, :, 0], 0)[burn - 1:]
        increments = phase[window::window] - phase[:-window:window]
        measured = float(increments.var()) / bracket * (1 + nu * nu)  # FWHM [rad/s]
        predicted = 2 * math.pi * float(generation_linewidth(CURRENT, params, temperature))
        assert abs(measured / predicted - 1) < 0.15, (temperature, measured / predicted)
