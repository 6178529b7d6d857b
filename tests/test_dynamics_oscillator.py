"""Spin-torque oscillators in time: steady state = the network's neuron, relaxation, API checks."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch

from rfspin.dynamics.junction_sim import PiecewiseCurrent
from rfspin.dynamics.oscillator import (
    amplitude_drift,
    emitted_power,
    instantaneous_frequency,
    power_relaxation_rate,
    steady_state_frequency,
    steady_state_power,
)
from rfspin.dynamics.oscillator_params import (
    OSCILLATOR_PRESETS,
    ROSS2023_OSCILLATOR,
    TORREJON2017_VORTEX,
)
from rfspin.dynamics.oscillator_sim import (
    OscillatorSimConfig,
    RFDrive,
    simulate_oscillators,
)
from rfspin.errors import RfspinError
from rfspin.physics.oscillator import emitted_frequency, output_power
from rfspin.physics.params import ROSS2023_OSCILLATOR as NEURON

F64 = torch.float64


def _neuron_power(current, neuron=NEURON):
    return output_power(current, neuron.threshold_current, neuron.nonlinear_damping, neuron.resistance,
                        neuron.magnetoresistance_ratio, neuron.spin_polarization, neuron.power_prefactor)


@pytest.mark.parametrize("shift", [0.0, 2e5])
def test_steady_state_equals_the_network_neuron(shift):
    neuron = replace(NEURON, nonlinear_frequency_shift=shift)
    params = replace(ROSS2023_OSCILLATOR, nonlinear_frequency_shift=shift)
    current = torch.tensor([12e-6, 15e-6, 20e-6, 30e-6, 40e-6], dtype=F64)
    config = OscillatorSimConfig(duration=25e-6, time_step=5e-9, record_every=50)
    trace = simulate_oscillators(params, current, config, temperature=0.0, dtype=F64)
    power = trace.power[-1, 0]
    zeta = current / neuron.threshold_current
    p0 = (zeta - 1) / (zeta + neuron.nonlinear_damping)
    torch.testing.assert_close(power, p0, rtol=1e-3, atol=0)
    torch.testing.assert_close(emitted_power(power, current, params), _neuron_power(current, neuron), rtol=1e-3, atol=0)
    expected_f = emitted_frequency(params.free_running_frequency, shift, p0)
    torch.testing.assert_close(trace.frequency[-1, 0], expected_f, rtol=1e-3, atol=0)
    torch.testing.assert_close(steady_state_frequency(current, params), expected_f)


def test_power_relaxes_at_the_analytic_rate():
    params = ROSS2023_OSCILLATOR
    current = torch.tensor([20e-6, 30e-6], dtype=F64)
    p0 = steady_state_power(current, params)
    start = torch.sqrt(p0 * 1.02).to(torch.complex128)
    rate = power_relaxation_rate(current, params)
    config = OscillatorSimConfig(duration=3.0 / float(rate.min()), time_step=2e-9, record_every=10)
    trace = simulate_oscillators(params, current, config, initial_amplitude=start, temperature=0.0, dtype=F64)
    deviation = (trace.power[:, 0] - p0).abs()
    t = trace.record_times
    slope = (deviation[-1].log() - deviation[len(t) // 3].log()) / (t[-1] - t[len(t) // 3])
    torch.testing.assert_close(-slope, rate, rtol=0.02, atol=0)


def test_below_threshold_decays_and_presets_are_valid():
    assert set(OSCILLATOR_PRESETS) == {"ross2023", "torrejon2017"}
    current = torch.tensor([0.5 * TORREJON2017_VORTEX.threshold_current], dtype=F64)
    config = OscillatorSimConfig(duration=2e-6, time_step=1e-10, record_every=100)
    trace = simulate_oscillators(TORREJON2017_VORTEX, current, config, temperature=0.0, dtype=F64,
                                 initial_amplitude=torch.tensor([0.3 + 0j], dtype=torch.complex128))
    assert float(trace.power[-1].max()) < 1e-6


def test_piecewise_current_switches_power():
    params = ROSS2023_OSCILLATOR
    values = torch.tensor([[20e-6], [40e-6]], dtype=F64)
    config = OscillatorSimConfig(duration=40e-6, time_step=5e-9, record_every=100)
    trace = simulate_oscillators(params, PiecewiseCurrent(values, 20e-6), config, temperature=0.0, dtype=F64)
    half = trace.power.shape[0] // 2
    torch.testing.assert_close(trace.power[half - 1, 0, 0], steady_state_power(values[0, 0], params), rtol=1e-3,
                               atol=0)
    torch.testing.assert_close(trace.power[-1, 0, 0], steady_state_power(values[1, 0], params), rtol=1e-3, atol=0)
    assert torch.equal(trace.current[:half, 0], values[0, 0].expand(half))


def test_autograd_flows_through_the_steps_and_drift_gradcheck():
    params = ROSS2023_OSCILLATOR
    current = torch.tensor([20e-6, 30e-6], dtype=F64, requires_grad=True)
    config = OscillatorSimConfig(duration=2e-6, time_step=10e-9, record_every=None)
    gen = torch.Generator().manual_seed(0)
    trace = simulate_oscillators(params, current, config, trials=3, generator=gen, dtype=F64)
    (trace.final_amplitude.abs() ** 2).sum().backward()
    assert current.grad is not None and bool(torch.isfinite(current.grad).all()) and bool((current.grad > 0).all())

    amp = torch.tensor([0.3 + 0.2j, 0.5 - 0.1j], dtype=torch.complex128, requires_grad=True)
    cur = torch.tensor([25e-6, 30e-6], dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, i: amplitude_drift(a, i, params, reference_angular_frequency=1e8),
                                    (amp, cur))


def test_noise_is_reproducible_with_the_generator():
    current = torch.tensor([30e-6], dtype=F64)
    config = OscillatorSimConfig(duration=1e-6, time_step=10e-9, record_every=10)
    runs = [simulate_oscillators(ROSS2023_OSCILLATOR, current, config, trials=2,
                                 generator=torch.Generator().manual_seed(5), dtype=F64).amplitude for _ in range(2)]
    assert torch.equal(runs[0], runs[1])
    assert not torch.equal(runs[0][:, 0], runs[0][:, 1])


def test_instantaneous_frequency_of_a_pure_tone():
    t = torch.arange(100, dtype=F64) * 1e-8
    amplitude = torch.polar(torch.ones_like(t), -2 * math.pi * 3e5 * t)
    torch.testing.assert_close(instantaneous_frequency(amplitude, 1e-8, 2e7), torch.full((99,), 2e7 + 3e5, dtype=F64))


@pytest.mark.parametrize("bad", [
    {"current": float("nan")}, {"current": -1e-6}, {"current": float("inf")},
    {"temperature": -1.0}, {"temperature": float("nan")},
    {"time_step": 1e-7}, {"drives": (RFDrive(frequency=5e9, amplitude=1e4),)},
])
def test_bad_input_is_one_line_error(bad):
    current = bad.pop("current", 20e-6)
    time_step = bad.pop("time_step", 5e-9)
    with pytest.raises(RfspinError) as info:
        config = OscillatorSimConfig(duration=1e-6, time_step=time_step)
        simulate_oscillators(ROSS2023_OSCILLATOR, torch.tensor([current]), config,
                             generator=torch.Generator().manual_seed(0), **bad)
    assert "\n" not in str(info.value)


def test_time_step_error_names_the_limit():
    with pytest.raises(RfspinError, match="drive 0"):
        simulate_oscillators(ROSS2023_OSCILLATOR, torch.tensor([20e-6]), OscillatorSimConfig(1e-6, 5e-9),
                             drives=(RFDrive(frequency=30e6, amplitude=1e4),), temperature=0.0)
    with pytest.raises(RfspinError, match="must be"):
        OscillatorSimConfig(duration=-1.0, time_step=1e-9)
    with pytest.raises(RfspinError, match="f0"):
        replace(ROSS2023_OSCILLATOR, nonlinear_frequency_shift=-30e6)


def test_in_place_and_autograd_paths_agree_with_drive_coupling_and_noise():
    params = replace(ROSS2023_OSCILLATOR, nonlinear_frequency_shift=1e6)
    current = torch.tensor([20e-6, 25e-6, 30e-6], dtype=F64)
    coupling = torch.tensor([[0, 1e4, 0], [1e4, 0, 2e4j], [0, -2e4j, 0]], dtype=torch.complex128)
    config = OscillatorSimConfig(duration=1e-6, time_step=5e-9, record_every=20)
    drives = (RFDrive(20.3e6, 3e4, 0.5),)
    fast = simulate_oscillators(params, current, config, drives=drives, coupling=coupling, trials=2,
                                generator=torch.Generator().manual_seed(3), dtype=F64)
    grad_current = current.clone().requires_grad_(True)
    slow = simulate_oscillators(params, grad_current, config, drives=drives, coupling=coupling, trials=2,
                                generator=torch.Generator().manual_seed(3), dtype=F64)
    torch.testing.assert_close(slow.amplitude.detach(), fast.amplitude, rtol=1e-10, atol=1e-12)


def test_spectrum_parseval_and_lorentzian_fit():
    from rfspin.dynamics.spectrum import fit_lorentzian, lorentzian, power_spectrum

    # a pure tone 3 kHz above the reference: all the power in one bin at f_r + 3 kHz
    dt, n = 1e-6, 1000
    t = torch.arange(n, dtype=F64) * dt
    tone = torch.polar(torch.full_like(t, 0.5), -2 * math.pi * 3e3 * t)[:, None]
    freqs, spectrum = power_spectrum(tone, dt, 1e6, average_dims=())
    assert float(freqs[spectrum[:, 0].argmax()]) == pytest.approx(1e6 + 3e3)
    assert float(spectrum[:, 0].sum() * (freqs[1] - freqs[0])) == pytest.approx(0.25)
    # an exact Lorentzian (FWHM 20 kHz at 1.003 MHz) is fitted exactly
    f = torch.linspace(0.9e6, 1.1e6, 2001, dtype=F64)
    exact = 2e-6 / (1 + ((f - 1.003e6) / 10e3) ** 2) + 1e-9
    fit = fit_lorentzian(f, exact)
    assert fit.fwhm == pytest.approx(20e3, rel=1e-6) and fit.center == pytest.approx(1.003e6, rel=1e-9)
    torch.testing.assert_close(lorentzian(f, fit), exact, rtol=1e-6, atol=0)
    with pytest.raises(RfspinError):
        fit_lorentzian(f, torch.zeros_like(f))


def test_rectified_voltage_of_the_emitted_power():
    from rfspin.dynamics.oscillator import rectified_voltage
    from rfspin.physics.params import ROSS2023_RESONATOR as RES

    power = emitted_power(torch.tensor([0.5], dtype=F64), torch.tensor([40e-6], dtype=F64), ROSS2023_OSCILLATOR)
    torch.testing.assert_close(power, torch.tensor([1e-6], dtype=F64))  # P_max at the clamp current
    f_r = 50e6
    peak = rectified_voltage(power, f_r * (1 + RES.damping), f_r, RES)  # x = +1: antisymmetric extremum +K
    torch.testing.assert_close(peak, power * RES.sensitivity)
    assert float(rectified_voltage(power, f_r, f_r, RES)) == 0.0
