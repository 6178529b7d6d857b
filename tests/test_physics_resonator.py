"""Analytic checks of the spin-diode lineshape and chain weights (docs/physics.md 1.1-1.2)."""

import math

import pytest
import torch

from rfspin.physics import (
    ROSS2023_RESONATOR,
    ResonatorParams,
    chain_weights_direct,
    half_linewidth,
    head_to_tail_signs,
    lineshape,
    lineshape_coefficients,
    rectified_voltage,
)
from rfspin.physics.params import ross2023_sensitivity

F_R = 50e6
ALPHA = 0.01
K = 8.84e3


def test_ross2023_sensitivity_is_8_84_mV_per_uW():
    assert ross2023_sensitivity() == pytest.approx(8.8388e3, rel=1e-4)
    assert ROSS2023_RESONATOR.sensitivity == pytest.approx(8.8388e3, rel=1e-4)


def test_antisymmetric_zero_at_resonance_and_extrema_at_one_linewidth():
    delta = ALPHA * F_R
    f = torch.tensor([F_R, F_R + delta, F_R - delta], dtype=torch.float64)
    g = lineshape(f, torch.tensor(F_R, dtype=torch.float64), K, ALPHA, 1.0, 0.0)
    assert g[0].item() == pytest.approx(0.0, abs=1e-9)
    assert g[1].item() == pytest.approx(K, rel=1e-12)
    assert g[2].item() == pytest.approx(-K, rel=1e-12)
    # the extremum: derivative changes sign around x = 1
    x = torch.linspace(0.5, 1.5, 1001, dtype=torch.float64)
    gx = lineshape(F_R + x * delta, torch.tensor(F_R, dtype=torch.float64), K, ALPHA)
    assert x[gx.argmax()].item() == pytest.approx(1.0, abs=1e-3)


def test_symmetric_part_peaks_at_resonance_with_2K():
    f = torch.linspace(F_R * 0.95, F_R * 1.05, 20001, dtype=torch.float64)
    g = lineshape(f, torch.tensor(F_R, dtype=torch.float64), K, ALPHA, 0.0, 1.0)
    assert f[g.argmax()].item() == pytest.approx(F_R, abs=1e3)
    assert g.max().item() == pytest.approx(2 * K, rel=1e-6)
    # half maximum at one half linewidth (HWHM = alpha f_r)
    hw = lineshape(torch.tensor(F_R + ALPHA * F_R, dtype=torch.float64), torch.tensor(F_R, dtype=torch.float64),
                   K, ALPHA, 0.0, 1.0)
    assert hw.item() == pytest.approx(K, rel=1e-12)


@pytest.mark.parametrize("x", [20.0, 100.0, -300.0])
def test_far_tail_decays_as_2K_over_x(x):
    f = torch.tensor(F_R + x * ALPHA * F_R, dtype=torch.float64)
    g = lineshape(f, torch.tensor(F_R, dtype=torch.float64), K, ALPHA)
    assert g.item() == pytest.approx(2 * K / x, rel=1.5 / x**2)


def test_half_linewidth_is_alpha_fr():
    assert half_linewidth(torch.tensor(80e6), 0.02).item() == pytest.approx(1.6e6)


def test_head_to_tail_signs_alternate_from_plus():
    assert head_to_tail_signs(5).tolist() == [1, -1, 1, -1, 1]
    with pytest.raises(ValueError, match="n = 0"):
        head_to_tail_signs(0)


def test_multitone_rectification_is_the_sum_over_tones():
    torch.manual_seed(0)
    tones = torch.linspace(20e6, 120e6, 6, dtype=torch.float64)
    fr = tones[None, :] * (1 + 0.01 * torch.randn(3, 6, dtype=torch.float64))
    s = head_to_tail_signs(6, dtype=torch.float64)
    w = chain_weights_direct(tones, fr, s, K, ALPHA, 0.8, 0.2)
    p = torch.rand(4, 6, dtype=torch.float64) * 1e-6
    v = rectified_voltage(p, w)
    # one tone at a time, summed
    manual = torch.zeros(4, 3, dtype=torch.float64)
    for i in range(6):
        g = (lineshape(tones[i], fr, K, ALPHA, 0.8, 0.2) * s).sum(-1)  # (3,)
        manual += p[:, i : i + 1] * g[None, :]
    torch.testing.assert_close(v, manual, rtol=1e-12, atol=0)


def test_alternating_signs_cancel_far_tails():
    # a chain of many resonators far below a tone: head-to-tail signs cancel the tails pairwise
    fr = torch.linspace(20e6, 30e6, 40, dtype=torch.float64)[None, :]
    tone = torch.tensor([110e6], dtype=torch.float64)
    same = chain_weights_direct(tone, fr, torch.ones(40, dtype=torch.float64), K, ALPHA)
    alt = chain_weights_direct(tone, fr, head_to_tail_signs(40, dtype=torch.float64), K, ALPHA)
    assert abs(alt.item()) < 0.05 * abs(same.item())


def test_lineshape_gradcheck_float64():
    f = torch.tensor([0.9, 1.0, 1.1, 1.3], dtype=torch.float64, requires_grad=True)
    fr = torch.tensor([1.0, 1.05, 0.97, 1.2], dtype=torch.float64, requires_grad=True)
    k = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    alpha = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)
    a_a = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    a_s = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lineshape, (f, fr, k, alpha, a_a, a_s))


def test_chain_weights_direct_and_rectified_voltage_gradcheck():
    u = torch.linspace(1.0, 2.0, 5, dtype=torch.float64, requires_grad=True)
    v = (1 + torch.rand(2, 5, dtype=torch.float64)).requires_grad_()
    s = head_to_tail_signs(5, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda u, v: chain_weights_direct(u, v, s, 1.0, 0.1, 0.6, 0.4), (u, v))
    p = torch.rand(3, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 5, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(rectified_voltage, (p, w, b))


def test_resonator_params_validation_names_the_field():
    with pytest.raises(ValueError, match="damping"):
        ResonatorParams(damping=-0.1)
    with pytest.raises(ValueError, match="sensitivity = nan"):
        ResonatorParams(sensitivity=math.nan)
    with pytest.raises(ValueError, match="max_resonance_frequency"):
        ResonatorParams(min_resonance_frequency=100e6, max_resonance_frequency=50e6)


def test_lineshape_coefficients_reproduce_lineshape():
    f = torch.linspace(40e6, 60e6, 101, dtype=torch.float64)
    fr = torch.tensor(50e6, dtype=torch.float64)
    delta, a, b = lineshape_coefficients(fr, K, ALPHA, 0.6, 0.4, -1.0)
    d = f - fr
    torch.testing.assert_close((a * d + b) / (d * d + delta**2), -lineshape(f, fr, K, ALPHA, 0.6, 0.4))


def test_coefficients_and_half_linewidth_gradcheck_float64():
    fr = torch.tensor([1.0, 1.3], dtype=torch.float64, requires_grad=True)
    args = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (2.0, 0.05, 0.7, 0.3, -1.0)]
    assert torch.autograd.gradcheck(lambda *a: torch.cat(lineshape_coefficients(*a)), (fr, *args))
    assert torch.autograd.gradcheck(half_linewidth, (fr, args[1]))
