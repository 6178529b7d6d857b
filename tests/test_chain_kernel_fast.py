"""The fast chain kernel (near field exact + far-field series) against the exact kernel.

Acceptance (issue 14): max |W_fast - W_exact| <= 1e-5 max |W_exact| over random programs, clamped
band edges, linear and geometric plans, every layer type; gradients as the exact ones; fallback
to exact outside the series' validity; float32 and float64.
"""

import pytest
import torch

from rfspin.errors import RfspinError
from rfspin.nn import RFCNN, CNNSpec, build_rf_network, set_kernel_method
from rfspin.nn.chip import ChipInstance, chip_forward, sample_static
from rfspin.nn.conv import RFConv2d
from rfspin.nn.resonator_layer import ResonatorChainLayer
from rfspin.nonideal import parse_nonidealities
from rfspin.physics import chain_weights, head_to_tail_signs, lineshape_coefficients
from rfspin.physics.chain_kernel_fast import far_field_plan
from rfspin.physics.frequency_plan import plan_frequencies

ACCEPT = 1e-5  # the acceptance bound, relative to max |W_exact|


def rel_err(w, ref):
    return ((w.double() - ref.double()).abs().max() / ref.double().abs().max()).item()


def gen(seed):
    return torch.Generator().manual_seed(seed)


def _problem(plan="linear", n_tones=96, n_chains=12, spread=2.0, seed=0, dtype=torch.float64, a_s=0.3):
    """Random program: resonators a uniform +-spread linewidths around their anchors (the tones)."""
    g = gen(seed)
    u = plan_frequencies(plan, n_tones, 20e6, 120e6)
    det = (torch.rand(n_chains, n_tones, generator=g, dtype=torch.float64) * 2 - 1) * spread
    v = torch.clamp(u * (1 + 0.01 * det), 10e6, 200e6)
    alpha = 0.01 * (1 + 0.05 * torch.randn(n_chains, n_tones, generator=g, dtype=torch.float64))
    sens = 1e4 * (1 + 0.1 * torch.rand(n_chains, n_tones, generator=g, dtype=torch.float64))
    delta, a, b = lineshape_coefficients(v, sens, alpha, 1.0, a_s, head_to_tail_signs(n_tones, dtype=torch.float64))
    return [t.to(dtype) for t in (u, v, delta, a, b)]


@pytest.mark.parametrize("plan", ["linear", "geometric"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_programs_within_bound(plan, dtype, seed):
    u, v, delta, a, b = _problem(plan, seed=seed, dtype=dtype, spread=1.0 + seed)
    ff = far_field_plan(u, u, 0.01)
    exact = chain_weights(u.double(), v.double(), delta.double(), a.double(), b.double(), method="exact")
    fast = chain_weights(u, v, delta, a, b, method="fast", plan=ff)
    assert ff.last_bound is not None and ff.last_terms >= 1  # the series really was used
    limit = ACCEPT if dtype == torch.float32 else 1e-6
    assert rel_err(fast, exact) <= limit
    if dtype == torch.float32:  # as close to the float64 truth as the float32 exact kernel
        exact32 = chain_weights(u, v, delta, a, b, method="exact")
        assert rel_err(fast, exact) <= 2 * rel_err(exact32, exact) + 1e-6


@pytest.mark.parametrize("rtol", [1e-3, 1e-6, 1e-9])
def test_proven_bound_holds_and_is_not_vacuous(rtol):
    u, v, delta, a, b = _problem(n_tones=64, spread=2.0, seed=3)
    ff = far_field_plan(u, u, 0.01, near_radius=4.0)
    exact = chain_weights(u, v, delta, a, b, method="exact")
    fast = chain_weights(u, v, delta, a, b, method="fast", plan=ff, rtol=rtol)
    err = (fast - exact).abs().max().item()
    assert err <= ff.last_bound <= rtol * exact.abs().max().item()
    if rtol == 1e-9:  # tighter tolerances need more terms: the truncation matters
        assert ff.last_terms > 3


def test_general_anchors_use_the_pair_list():
    u, v, delta, a, b = _problem(n_tones=50, n_chains=4)
    anchors = torch.linspace(21e6, 119e6, 30, dtype=torch.float64)
    v = anchors * (1 + 0.01 * (torch.rand(4, 30, generator=gen(5), dtype=torch.float64) * 2 - 1))
    delta, a, b = lineshape_coefficients(v, 1e4, 0.01, 1.0, 0.2, head_to_tail_signs(30, dtype=torch.float64))
    ff = far_field_plan(u, anchors, 0.01, near_radius=4.0)
    assert ff.band is None
    exact = chain_weights(u, v, delta, a, b, method="exact")
    assert rel_err(chain_weights(u, v, delta, a, b, method="fast", plan=ff), exact) <= 1e-6


def test_clamped_band_edges_fall_back_per_resonator():
    u, v, delta, a, b = _problem(n_tones=64, n_chains=6)
    v = v.clone()
    v[0, :5] = 10e6  # clamped at the band's lower edge: far outside the series' validity
    v[3, -4:] = 200e6
    delta, a, b = lineshape_coefficients(v, 1e4, 0.01, 1.0, 0.3, head_to_tail_signs(64, dtype=torch.float64))
    ff = far_field_plan(u, u, 0.01)
    fast = chain_weights(u, v, delta, a, b, method="fast", plan=ff)
    assert ff.last_irregular >= 9 and ff.last_bound is not None
    assert rel_err(fast, chain_weights(u, v, delta, a, b, method="exact")) <= 1e-6


def test_auto_falls_back_to_exact_when_resonators_leave_validity():
    u, v, delta, a, b = _problem(n_tones=64, n_chains=6, spread=40.0)  # most far from their anchors
    ff = far_field_plan(u, u, 0.01)
    auto = chain_weights(u, v, delta, a, b, method="auto", plan=ff)
    assert ff.last_bound is None  # the exact kernel did the work
    assert torch.equal(auto, chain_weights(u, v, delta, a, b, method="exact"))


def test_gradcheck_float64_band_and_groups():
    g = gen(0)
    u = torch.linspace(20.0, 120.0, 24, dtype=torch.float64)  # MHz: the kernel is scale-free
    ff = far_field_plan(u, u, 0.01, near_radius=3.0)
    v = (u * (1 + 0.01 * (torch.rand(3, 24, generator=g, dtype=torch.float64) * 2 - 1))).requires_grad_()
    d = (0.01 * u * (1 + 0.1 * torch.rand(3, 24, generator=g, dtype=torch.float64))).requires_grad_()
    a = torch.randn(3, 24, generator=g, dtype=torch.float64).requires_grad_()
    b = torch.randn(3, 24, generator=g, dtype=torch.float64).requires_grad_()

    def f(v, d, a, b):
        return chain_weights(u, v, d, a, b, method="fast", plan=ff)

    assert torch.autograd.gradcheck(f, (v, d, a, b))
    assert ff.last_bound is not None and ff.last_terms > 1
    u2 = u * (1 + 1e-3 * torch.randn(2, 24, generator=g, dtype=torch.float64))  # per-chip tones
    v2 = (u * (1 + 0.01 * torch.rand(2, 3, 24, generator=g, dtype=torch.float64))).requires_grad_()
    assert torch.autograd.gradcheck(lambda v2: chain_weights(u2, v2, d, a, b, method="fast", plan=ff), (v2,))
    assert ff.last_bound is not None


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_gradients_match_exact(dtype):
    u, v, delta, a, b = _problem(n_tones=80, n_chains=8, dtype=dtype)
    ff = far_field_plan(u, u, 0.01)
    gw = torch.randn(8, 80, generator=gen(9), dtype=dtype)
    grads = {}
    for method in ("exact", "fast"):
        xs = [t.clone().requires_grad_() for t in (v, delta, a, b)]
        (chain_weights(u, *xs, method=method, plan=ff) * gw).sum().backward()
        grads[method] = [x.grad for x in xs]
    tol = 1e-5 if dtype == torch.float64 else 1e-3
    for ge, gf in zip(grads["exact"], grads["fast"]):
        assert rel_err(gf, ge) <= tol


def test_bad_method_and_rtol():
    u, v, delta, a, b = _problem(n_tones=8, n_chains=2)
    with pytest.raises(RfspinError, match="kernel method"):
        chain_weights(u, v, delta, a, b, method="fastest")
    with pytest.raises(RfspinError, match="rtol"):
        chain_weights(u, v, delta, a, b, method="fast", anchors=u, rtol=0.0)
    with pytest.raises(RfspinError, match="kernel method"):
        ResonatorChainLayer(u, 2, kernel="quick")
    with pytest.raises(RfspinError, match="near_radius"):
        far_field_plan(u, u, 0.01, near_radius=0.0)


def _compare_module(module, run):
    """Run ``run(module)`` with the exact and the fast kernel; return the relative difference."""
    set_kernel_method(module, "exact")
    with torch.no_grad():
        ref = run(module)
    set_kernel_method(module, "fast")
    with torch.no_grad():
        fast = run(module)
    return rel_err(fast, ref)


@pytest.mark.parametrize("plan", ["linear", "geometric"])
def test_dense_network_weights_and_outputs(plan):
    net = build_rf_network((64, 32, 10), seed=0, plan=plan, init_detuning=2.0).double()
    for layer in net.resonator_layers:
        assert _compare_module(layer, lambda m: m.weights()) <= 1e-6
        assert layer._plan[1].last_bound is not None
    x = torch.rand(16, 64, generator=gen(1), dtype=torch.float64)
    assert _compare_module(net, lambda m: m(x)) <= 1e-6


def test_conv_layer_and_cnn():
    conv = RFConv2d(3, 8, 5, generator=gen(0), dtype=torch.float64, init_detuning=2.0)
    assert _compare_module(conv, lambda m: m.kernel_weights()) <= 1e-6
    spec = CNNSpec(image_shape=(1, 12, 12), convs=((4, 3, 1, 1, 2),), hidden=(16,), n_classes=3)
    cnn = RFCNN(spec, generator=gen(0)).double()
    x = torch.rand(2, 1, 12, 12, generator=gen(2), dtype=torch.float64)
    assert _compare_module(cnn, lambda m: m(x)) <= 1e-6
    layers = [m for m in cnn.modules() if isinstance(m, ResonatorChainLayer)]
    assert layers and all(layer._plan[1].last_bound is not None for layer in layers)


def test_chips_with_non_idealities():
    net = build_rf_network((48, 24, 6), seed=1).double()
    cfg = parse_nonidealities({
        "programming_error": {"relative_sigma_percent": 0.2, "absolute_sigma_khz": 30},
        "variability": {"damping_sigma_percent": 5, "sensitivity_sigma_percent": 10, "mix_sigma_fraction": 0.05,
                        "threshold_current_sigma_percent": 5, "oscillator_power_sigma_percent": 20},
    })
    static = sample_static(net, cfg, 3, gen(3))
    x = torch.rand(5, 48, generator=gen(4), dtype=torch.float64)
    assert _compare_module(net, lambda m: chip_forward(m, static, cfg, x, generator=gen(5))[0]) <= 1e-6
    assert all(layer._plan[1].last_bound is not None for layer in net.resonator_layers)  # fast was used
    assert _compare_module(net, lambda m: ChipInstance(m, cfg, static.select(0), 0)(x)) <= 1e-6


def test_plan_cache_follows_dtype_and_tones():
    layer = ResonatorChainLayer(torch.linspace(20e6, 120e6, 32), 4, generator=gen(0))
    p32 = layer.far_field_plan()
    assert layer.far_field_plan() is p32  # cached
    layer.double()
    p64 = layer.far_field_plan()
    assert p64 is not p32 and p64.inv_tau.dtype == torch.float64
    with torch.no_grad():
        layer.tone_frequencies.mul_(1.001)
    assert layer.far_field_plan() is not p64
