"""Superparamagnetic junction: parameters, presets and the pure functions against closed forms."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from rfspin.dynamics import (
    BOLTZMANN_CONSTANT,
    JUNCTION_PRESETS,
    MIZRAHI2018_JUNCTION,
    JunctionParams,
    antiparallel_probability,
    antiparallel_probability_after,
    barrier_heights,
    escape_rates,
    junction_tensors,
    junction_voltage,
    magnetization,
    mean_dwell_times,
    mean_state,
    relaxation_rate,
    resistance,
    sample_dwell_times,
    switching_rate,
    transition_probabilities,
)
from rfspin.errors import RfspinError

P = MIZRAHI2018_JUNCTION
F64 = torch.float64


def _currents(n=41, span=2.0, params=P):
    """Currents covering +-span I_c0 / Delta around the operating point, float64."""
    half = span * params.critical_current / params.thermal_stability
    return torch.linspace(params.offset_current - half, params.offset_current + half, n, dtype=F64)


# --- parameters ---------------------------------------------------------------------------------

def test_preset_numbers_and_derived_quantities():
    assert JUNCTION_PRESETS["mizrahi2018"] is P
    assert P.thermal_stability == pytest.approx(math.log(1e6))
    assert P.balanced_dwell_time == pytest.approx(1e-3, rel=1e-12)
    assert P.barrier_energy == pytest.approx(P.thermal_stability * BOLTZMANN_CONSTANT * 300.0)
    q = JunctionParams.from_thermal_stability(10.0, temperature=250.0, critical_current=1e-4)
    assert q.thermal_stability == pytest.approx(10.0) and q.temperature == 250.0 and q.critical_current == 1e-4


@pytest.mark.parametrize("field, value", [
    ("attempt_time", float("nan")), ("attempt_time", -1e-9), ("barrier_energy", 0.0), ("temperature", float("inf")),
    ("temperature", -300.0), ("critical_current", np.float64("nan")), ("barrier_exponent", 0.0),
    ("parallel_resistance", -1.0), ("antiparallel_resistance", float("inf")), ("offset_current", float("nan")),
])
def test_invalid_fields_are_rejected(field, value):
    with pytest.raises(RfspinError, match=field):
        replace(P, **{field: value})


@pytest.mark.parametrize("value", ["1e3", True, None, 1 + 2j])
def test_non_numbers_are_rejected(value):
    with pytest.raises(RfspinError, match="temperature"):
        replace(P, temperature=value)


def test_negative_offset_is_allowed_and_absurd_barrier_is_refused():
    assert replace(P, offset_current=-10e-6).offset_current == -10e-6
    with pytest.raises(RfspinError, match="k_B T"):
        JunctionParams.from_thermal_stability(800.0)


def test_junction_tensors_overrides_validation_and_broadcasting():
    barrier = P.barrier_energy * torch.tensor([0.9, 1.0, 1.1], dtype=F64)
    t = junction_tensors(P, barrier_energy=barrier, offset_current=torch.tensor([[0.0], [5e-6]], dtype=F64))
    assert t.batch_shape == (2, 3) and t.attempt_time.dtype == F64
    assert torch.allclose(t.thermal_stability, barrier / (BOLTZMANN_CONSTANT * 300.0))
    assert junction_tensors(P).attempt_time.dtype == torch.float32
    with pytest.raises(RfspinError, match="barrier_energy"):
        junction_tensors(P, barrier_energy=torch.tensor([1e-20, -1e-20]))
    with pytest.raises(RfspinError, match="NaN"):
        junction_tensors(P, offset_current=torch.tensor([0.0, float("nan")]))
    with pytest.raises(RfspinError, match="broadcast"):
        junction_tensors(P, barrier_energy=torch.ones(3) * 1e-20, temperature=torch.ones(2) * 300)
    with pytest.raises(RfspinError, match="unknown field"):
        junction_tensors(P, barier_energy=1e-20)


# --- closed forms ---------------------------------------------------------------------------------

def test_dwell_times_are_neel_brown_with_spin_torque_barrier():
    i = _currents()
    x = (i - P.offset_current) / P.critical_current
    tau_p, tau_ap = mean_dwell_times(i, P)
    delta = P.thermal_stability
    assert torch.allclose(tau_p, P.attempt_time * torch.exp(delta * (1 - x)), rtol=1e-12)
    assert torch.allclose(tau_ap, P.attempt_time * torch.exp(delta * (1 + x)), rtol=1e-12)
    k_p, k_ap = escape_rates(i, P)
    assert torch.allclose(k_p * tau_p, torch.ones_like(i)) and torch.allclose(k_ap * tau_ap, torch.ones_like(i))
    assert bool((tau_p[1:] < tau_p[:-1]).all()), "a positive current destabilises P (favours AP)"


def test_mean_state_is_tanh_and_occupancy_is_its_affine_map():
    i = _currents()
    x = (i - P.offset_current) / P.critical_current
    assert torch.allclose(mean_state(i, P), torch.tanh(P.thermal_stability * x), atol=1e-14)
    tau_p, tau_ap = mean_dwell_times(i, P)
    assert torch.allclose(antiparallel_probability(i, P), tau_ap / (tau_p + tau_ap), rtol=1e-12)
    assert torch.allclose(2 * antiparallel_probability(i, P) - 1, mean_state(i, P), atol=1e-14)


def test_switching_rate_is_bell_shaped_with_its_peak_at_the_operating_point():
    shifted = replace(P, offset_current=7e-6)
    i = _currents(401, span=4.0, params=shifted)
    rate = switching_rate(i, shifted)
    tau_p, tau_ap = mean_dwell_times(i, shifted)
    assert torch.allclose(rate, 2 / (tau_p + tau_ap), rtol=1e-12)
    peak = int(torch.argmax(rate))
    assert i[peak].item() == pytest.approx(7e-6, abs=1e-12)
    assert rate[peak].item() == pytest.approx(math.exp(-shifted.thermal_stability) / shifted.attempt_time, rel=1e-9)
    assert bool((rate[1 : peak + 1] > rate[:peak]).all()) and bool((rate[peak + 1 :] < rate[peak:-1]).all())
    assert torch.allclose(rate, rate.flip(0), rtol=1e-9), "symmetric about I_off for exponent 1"


def test_barrier_exponent_two_gives_tanh_of_twice_the_drive():
    q = replace(P, barrier_exponent=2.0)
    i = _currents(21, span=0.5, params=q)
    x = (i - q.offset_current) / q.critical_current
    out_p, out_ap = barrier_heights(i, q)
    assert torch.allclose(out_p, q.thermal_stability * (1 - x) ** 2, rtol=1e-12)
    assert torch.allclose(mean_state(i, q), torch.tanh(2 * q.thermal_stability * x), atol=1e-13)


def test_beyond_the_critical_current_the_barrier_vanishes_and_nothing_overflows():
    huge = torch.tensor([-1.0, -2 * P.critical_current, 2 * P.critical_current, 1.0])
    out_p, out_ap = barrier_heights(huge, P)
    assert out_p[2:].tolist() == [0.0, 0.0] and out_ap[:2].tolist() == [0.0, 0.0]
    for f in (mean_state, antiparallel_probability, switching_rate, relaxation_rate):
        assert bool(torch.isfinite(f(huge, P)).all())
    assert mean_state(huge, P).tolist() == [-1.0, -1.0, 1.0, 1.0]
    to_ap, to_p = transition_probabilities(huge, 1e-6, P)
    assert bool(torch.isfinite(to_ap).all() and torch.isfinite(to_p).all())


def test_temperature_scales_the_barrier_physically():
    hot = replace(P, temperature=600.0)
    assert hot.thermal_stability == pytest.approx(P.thermal_stability / 2)
    assert hot.balanced_dwell_time == pytest.approx(P.attempt_time * math.exp(P.thermal_stability / 2))
    i = torch.tensor([20e-6], dtype=F64)
    assert mean_state(i, hot).item() == pytest.approx(math.tanh(P.thermal_stability / 2 * 20e-6 / 250e-6))


def test_transition_probabilities_are_exact_for_any_step():
    i = _currents(9)
    k_p, k_ap = escape_rates(i, P)
    tiny = 1e-9
    to_ap, to_p = transition_probabilities(i, tiny, P)
    assert torch.allclose(to_ap, k_p * tiny, rtol=1e-5) and torch.allclose(to_p, k_ap * tiny, rtol=1e-5)
    pi = antiparallel_probability(i, P)
    assert torch.allclose((1 - pi) * to_ap, pi * to_p, rtol=1e-12), "detailed balance"
    # Chapman-Kolmogorov: two steps of dt make one step of 2 dt (dt comparable to the dwell times)
    dt = 3e-4
    a, b = transition_probabilities(i, dt, P)
    two_a, two_b = transition_probabilities(i, 2 * dt, P)
    assert torch.allclose(two_a, a * (1 - b) + (1 - a) * a, rtol=1e-12)
    assert torch.allclose(two_b, b * (1 - a) + (1 - b) * b, rtol=1e-12)
    far_a, far_b = transition_probabilities(i, 1.0, P)
    assert torch.allclose(far_a, pi, rtol=1e-9) and torch.allclose(far_b, 1 - pi, rtol=1e-9)


def test_probability_after_a_time_relaxes_at_rate_k():
    i = _currents(5)
    t = torch.tensor([0.0, 1e-4, 1e-3, 1.0], dtype=F64)[:, None]
    from_p = antiparallel_probability_after(t, i, False, P)
    from_ap = antiparallel_probability_after(t, i, True, P)
    assert torch.equal(from_p[0], torch.zeros(5, dtype=F64)) and torch.equal(from_ap[0], torch.ones(5, dtype=F64))
    to_ap, to_p = transition_probabilities(i, t[1:], P)
    assert torch.allclose(from_p[1:], to_ap, rtol=1e-12) and torch.allclose(from_ap[1:], 1 - to_p, rtol=1e-12)
    assert torch.allclose(from_p[-1], antiparallel_probability(i, P), rtol=1e-9)
    k = relaxation_rate(i, P)
    k_p, k_ap = escape_rates(i, P)
    assert torch.allclose(k, k_p + k_ap, rtol=1e-12)


def test_readout_resistance_and_voltage():
    state = torch.tensor([False, True, True])
    current = torch.tensor([10e-6, 10e-6, -20e-6], dtype=F64)
    assert resistance(state, P).tolist() == [1e3, 2e3, 2e3]
    assert torch.allclose(junction_voltage(state, current, P), torch.tensor([10e-3, 20e-3, -40e-3], dtype=F64))
    assert magnetization(state).tolist() == [-1.0, 1.0, 1.0]


def test_sampled_dwell_times_have_the_right_means():
    g = torch.Generator().manual_seed(0)
    n = 20_000
    state = torch.arange(2 * n) % 2 == 1
    current = torch.full((2 * n,), 10e-6, dtype=F64)
    dwell = sample_dwell_times(state, current, P, g)
    tau_p, tau_ap = (t[0].item() for t in mean_dwell_times(current[:1], P))
    z = 3.29  # two-sided 99.9 % over 2 checks: family-wise >= 99.8 %
    for sample, tau in ((dwell[~state], tau_p), (dwell[state], tau_ap)):
        assert abs(sample.mean().item() / tau - 1) < z / math.sqrt(n)


def test_gradients_through_the_physics():
    base = junction_tensors(P, dtype=F64)
    barrier = base.barrier_energy.clone()
    current = _currents(5, span=1.5)

    def observables(i, e_b):
        params = base._replace(barrier_energy=e_b)
        tau_p, tau_ap = mean_dwell_times(i, params)
        to_ap, to_p = transition_probabilities(i, 2e-4, params)
        return (torch.log(tau_p), torch.log(tau_ap), mean_state(i, params), switching_rate(i, params) * 1e-3,
                to_ap, to_p, antiparallel_probability_after(1e-4, i, 0.3, params))

    # inputs scaled to order 1 (uA, 1e-20 J) so that finite differences resolve them
    current_ua = (current.detach() * 1e6).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda i: observables(i * 1e-6, barrier), (current_ua,))
    assert torch.autograd.gradcheck(lambda e: observables(current, e * 1e-20),
                                    ((barrier.detach() * 1e20).requires_grad_(True),))
