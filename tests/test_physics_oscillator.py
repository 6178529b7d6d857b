"""Oscillator neuron physics (Slavin-Tiberkevich) and frequency plans."""


import pytest
import torch

from rfspin.physics import (
    ROSS2023_OSCILLATOR,
    OscillatorParams,
    amplitude_derivative,
    amplitude_relaxation_rate,
    emitted_frequency,
    generation_linewidth,
    geometric_plan,
    linear_plan,
    normalized_power,
    oscillator_current,
    output_power,
    plan_frequencies,
)

P = ROSS2023_OSCILLATOR


def _power(i):
    return output_power(i, P.threshold_current, P.nonlinear_damping, P.resistance, P.magnetoresistance_ratio,
                        P.spin_polarization, P.power_prefactor)


def test_p0_formula_and_threshold():
    z = torch.tensor([0.0, 0.5, 1.0, 2.0, 4.0], dtype=torch.float64)
    p0 = normalized_power(z, 2.0)
    assert p0.tolist()[:3] == [0.0, 0.0, 0.0]
    assert p0[3].item() == pytest.approx(1 / 4)
    assert p0[4].item() == pytest.approx(3 / 6)


def test_output_power_reaches_max_at_clamp_and_zero_below_threshold():
    i = torch.tensor([5e-6, 10e-6, 40e-6], dtype=torch.float64)
    p = _power(i)
    assert p[0].item() == 0.0 and p[1].item() == 0.0
    assert p[2].item() == pytest.approx(P.max_output_power, rel=1e-12)
    # the analytic prefactor: A = P_max / (p0(4) R (4 I_th)^2)
    assert P.power_prefactor == pytest.approx(1e-6 / (0.5 * 1e3 * (40e-6) ** 2))


def test_current_clamp_protects_the_device():
    v = torch.tensor([-1.0, 0.0, 1e-3, 1.0], dtype=torch.float64)
    i = oscillator_current(v, P.transconductance, P.bias_voltage, P.max_current_ratio * P.threshold_current)
    assert i[0].item() == 0.0
    assert i[1].item() == pytest.approx(3.4e-3 * 11e-3)
    assert i[3].item() == pytest.approx(40e-6)
    assert bool((i >= 0).all()) and bool((i <= 40e-6 + 1e-18).all())


def test_frequency_shift_and_relaxation_rate():
    p0 = torch.tensor([0.0, 0.25], dtype=torch.float64)
    assert emitted_frequency(100e6, 5e6, p0).tolist() == [100e6, 101.25e6]
    assert amplitude_relaxation_rate(torch.tensor([0.5, 3.0]), 1e6).tolist() == [0.0, 2e6]


def test_linewidth_broadens_towards_threshold():
    z = torch.tensor([1.2, 2.0, 4.0], dtype=torch.float64)
    lw = generation_linewidth(z, 2.0, 1e7, 1e-18, 300.0)
    assert bool((lw[:-1] > lw[1:]).all())


def test_time_domain_model_relaxes_to_p0():
    # integrate dc/dt (rotating frame, w = 0) with small Euler steps: |c|^2 -> p0(zeta)
    zeta, q, gamma = 2.5, 2.0, 1e7
    c = torch.tensor(0.1 + 0j, dtype=torch.complex128)
    dt = 1e-9
    for _ in range(3000):
        c = c + dt * amplitude_derivative(c, zeta, 0.0, 0.0, q, gamma)
    assert abs(c) ** 2 == pytest.approx((zeta - 1) / (zeta + q), rel=1e-3)


def test_oscillator_gradcheck_float64():
    z = torch.tensor([1.5, 2.0, 3.5], dtype=torch.float64, requires_grad=True)
    q = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(normalized_power, (z, q))
    i = torch.tensor([1.5, 2.5, 3.5], dtype=torch.float64, requires_grad=True)
    args = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (1.0, 2.0, 1.0, 1.0, 1.0, 1.0)]
    assert torch.autograd.gradcheck(output_power, (i, *args))
    v = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: oscillator_current(v, 2.0, 0.1, 1.5), (v,))
    assert torch.autograd.gradcheck(lambda z: generation_linewidth(z, 2.0, 1.0, 1.0, 1.0, 0.5), (z,))
    assert torch.autograd.gradcheck(lambda p: emitted_frequency(1.0, 0.3, p), (z,))
    c = torch.tensor([0.3 + 0.1j], dtype=torch.complex128, requires_grad=True)
    assert torch.autograd.gradcheck(lambda c: amplitude_derivative(c, 2.0, 1.0, 0.5, 2.0, 1.0), (c,))


def test_oscillator_params_validation():
    with pytest.raises(ValueError, match="max_current_ratio"):
        OscillatorParams(max_current_ratio=1.0)
    with pytest.raises(ValueError, match="threshold_current"):
        OscillatorParams(threshold_current=0.0)


def test_geometric_plan_has_constant_ratio_and_linear_constant_step():
    g = geometric_plan(256, 20e6, 120e6)
    ratio = g[1:] / g[:-1]
    assert g[0].item() == pytest.approx(20e6) and g[-1].item() == pytest.approx(120e6)
    assert float(ratio.max() - ratio.min()) < 1e-12
    assert ratio[0].item() == pytest.approx(6 ** (1 / 255))
    lin = linear_plan(5, 20e6, 120e6)
    assert lin.tolist() == [20e6, 45e6, 70e6, 95e6, 120e6]
    # spacing / linewidth constant for the geometric plan: (f_{k+1} - f_k) / (alpha f_k) = (r-1)/alpha
    spacing_over_lw = (g[1:] - g[:-1]) / (0.01 * g[:-1])
    assert float(spacing_over_lw.std()) < 1e-9


def test_frequency_plan_errors():
    with pytest.raises(ValueError, match="kind = 'log'"):
        plan_frequencies("log", 3, 1e6, 2e6)
    with pytest.raises(ValueError, match="f_max must exceed"):
        linear_plan(3, 2e6, 1e6)
    with pytest.raises(ValueError, match="n = 0"):
        geometric_plan(0, 1e6, 2e6)
