"""Chip instances: statistics of the sampled non-idealities, noise vs static, reproducibility."""

import copy
import math

import pytest
import torch

from rfspin.nn.chip import ChipInstance, chip_forward, sample_static
from rfspin.nn.network import build_rf_network
from rfspin.nonideal import PRESETS, NonIdealities, parse_nonidealities
from rfspin.nonideal.perturb import (
    adc_quantize,
    insertion_loss_factors,
    johnson_noise_sigma,
    limit_tuning,
    lognormal_factors,
    saturate_power,
)

Z = 5.0  # confidence bound in standard errors (two-sided p ~ 6e-7 per check)


@pytest.fixture(scope="module")
def net():
    return build_rf_network((16, 8, 4), seed=1)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _check_mean_std(samples, mean, std):
    x = samples.double().flatten()
    n = x.numel()
    assert abs(x.mean().item() - mean) < Z * std / math.sqrt(n)
    kurt = ((x - x.mean()) ** 4).mean().item() / x.var().item() ** 2  # SE of std for any distribution
    se_std = std * math.sqrt(max(kurt - 1, 0.5) / (4 * n))
    assert abs(x.std().item() - std) < Z * se_std


def test_variability_matches_configured_mean_and_std(net):
    cfg = parse_nonidealities({
        "programming_error": {"relative_sigma_percent": 0.5, "absolute_sigma_khz": 30},
        "variability": {"damping_sigma_percent": 5, "sensitivity_sigma_percent": 10, "mix_sigma_fraction": 0.05,
                        "threshold_current_sigma_percent": 5, "oscillator_power_sigma_percent": 20},
    })
    static = sample_static(net, cfg, 400, gen())
    _check_mean_std(static.layers[0].frequency_factor - 1, 0.0, 0.005)
    _check_mean_std(static.layers[0].frequency_offset, 0.0, 30e3)
    _check_mean_std(static.layers[0].damping_factor, 1.0, 0.05)
    _check_mean_std(static.layers[2].sensitivity_factor, 1.0, 0.10)
    _check_mean_std(static.layers[0].antisymmetric_offset, 0.0, 0.05)
    _check_mean_std(static.layers[1].threshold_factor, 1.0, 0.05)
    _check_mean_std(static.layers[1].power_factor, 1.0, 0.20)
    # the chip really uses them: programmed f_r relative error has the configured spread
    f_chip = torch.stack([ChipInstance(net, cfg, static.select(c), 0).resonance_frequencies()[0] for c in range(50)])
    f0 = net.resonator_layers[0].resonance_frequencies().detach()
    rel = f_chip / f0 - 1 - static.layers[0].frequency_offset[:50] / f0
    _check_mean_std(rel, 0.0, 0.005)


def test_dead_fraction_binomial(net):
    static = sample_static(net, parse_nonidealities({"defects": {"dead_fraction": 0.1}}), 300, gen(2))
    alive = static.layers[0].alive
    n, p = alive.numel(), 0.1
    assert abs((1 - alive.mean().item()) - p) < Z * math.sqrt(p * (1 - p) / n)


def test_temperature_shifts_resonances_by_coefficient(net):
    coeff, dt = -1.3e-3, 25.0
    cfg = parse_nonidealities({"temperature": {"temperature_k": 300 + dt, "reference_temperature_k": 300,
                                               "resonance_frequency_coefficient_ppm_per_k": coeff * 1e6}})
    chip = ChipInstance.sample(net, cfg, gen())
    for f_chip, layer in zip(chip.resonance_frequencies(), net.resonator_layers):
        ratio = f_chip.double() / layer.resonance_frequencies().detach().double()
        torch.testing.assert_close(ratio, torch.full_like(ratio, 1 + coeff * dt), rtol=1e-6, atol=0)


def test_noise_changes_each_forward_static_does_not(net):
    chip = ChipInstance.sample(net, PRESETS["lab-2023"], gen(3))
    x = torch.rand(6, 16, generator=gen(4))
    f_before = chip.resonance_frequencies()
    static_before = chip.static.detached()
    a, b = chip(x), chip(x)
    assert not torch.equal(a, b)
    for f1, f2 in zip(f_before, chip.resonance_frequencies()):
        assert torch.equal(f1, f2)
    assert static_before.equal(chip.static)
    quiet = ChipInstance(net, NonIdealities(variability=PRESETS["lab-2023"].variability), chip.static, 0)
    assert torch.equal(quiet(x), quiet(x))  # static only: deterministic


def test_seed_reproduces_chip_exactly_and_save_load(net, tmp_path, devices):
    net = copy.deepcopy(net).to(devices)
    x = torch.rand(5, 16, generator=gen(5)).to(devices)
    c1, c2 = (ChipInstance.sample(net, PRESETS["lab-2023"], gen(11)) for _ in range(2))
    assert c1.static.equal(c2.static)
    assert torch.equal(c1(x), c2(x))
    c3 = ChipInstance.sample(net, PRESETS["lab-2023"], gen(12))
    assert not torch.equal(c1.static.layers[0].sensitivity_factor, c3.static.layers[0].sensitivity_factor)
    c1.save(tmp_path / "chip.pt")
    loaded = ChipInstance.load(tmp_path / "chip.pt", device=devices)
    fresh = ChipInstance.sample(net, PRESETS["lab-2023"], gen(11))
    assert torch.equal(loaded(x), fresh(x)) and torch.equal(loaded(x), fresh(x))


def test_ideal_chip_is_the_network_and_batched_equals_single(net, devices):
    net = copy.deepcopy(net).to(devices)
    x = torch.rand(7, 16, generator=gen(6)).to(devices)
    with torch.no_grad():
        ideal = ChipInstance.sample(net, NonIdealities(), gen())(x)
        torch.testing.assert_close(ideal, net(x), rtol=1e-5, atol=1e-7)
        cfg = parse_nonidealities({"preset": "lab-2023", "oscillator_noise": {"power_sigma_percent": 0,
                                   "frequency_sigma_hz": 0}, "voltage_noise": {"bandwidth_hz": 0}})
        static = sample_static(net, cfg, 5, gen(7))
        batched = chip_forward(net, static, cfg, x, n_chips=5)
        for c in range(5):
            one = chip_forward(net, static.select(c), cfg, x, n_chips=1)[0]
            torch.testing.assert_close(batched[c], one, rtol=1e-5, atol=1e-8)


def test_johnson_noise_level():
    net = build_rf_network((8, 3), seed=0)
    cfg = parse_nonidealities({"voltage_noise": {"bandwidth_mhz": 10}, "temperature": {"temperature_k": 350}})
    chip = ChipInstance.sample(net, cfg, gen())
    x = torch.rand(1, 8, generator=gen(1)).expand(4000, 8)
    quiet = ChipInstance(net, parse_nonidealities({"temperature": {"temperature_k": 350}}), chip.static, 0)
    with torch.no_grad():
        v = chip(x) - quiet(x[:1])
    sigma = johnson_noise_sigma(350.0, 8 * net.spec.resonator.resistance, 10e6)
    assert math.isclose(sigma, math.sqrt(4 * 1.380649e-23 * 350 * 8e3 * 10e6))
    _check_mean_std(v, 0.0, sigma)


def test_static_transforms_analytic():
    anchor = torch.full((1000,), 100e6, dtype=torch.float64)
    f = anchor + torch.linspace(-20e6, 20e6, 1000, dtype=torch.float64)
    out = limit_tuning(f, anchor, 15e6, 50e3)
    assert float((out - anchor).abs().max()) <= 7.5e6 + 1e-6
    steps = (out - anchor) / 50e3
    torch.testing.assert_close(steps, steps.round())
    torch.testing.assert_close(insertion_loss_factors(3, 10.0), torch.tensor([1.0, 0.1, 0.01]))
    p = torch.tensor([1e-9, 1e-6, 1e-3], dtype=torch.float64)
    torch.testing.assert_close(saturate_power(p, 1e-6), p / (1 + p / 1e-6))
    v = adc_quantize(torch.linspace(-0.2, 0.2, 1001), 3, 0.1)
    assert v.unique().numel() == 8 and float(v.abs().max()) == pytest.approx(0.1)
    t = torch.tensor([0.3, 1.0, 4.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: saturate_power(t, 2.0), (t,))
    fac = lognormal_factors((200000,), 0.3, gen())
    assert bool((fac > 0).all())
    _check_mean_std(fac, 1.0, 0.3)
