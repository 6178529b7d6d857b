"""Compiled (numba) passes of the fast chain kernel against its torch passes.

Forward and every gradient equal (allclose) with and without numba, gradcheck in float64, the
fallback without numba and off the CPU.
"""

import pytest
import torch

from rfspin.physics import chain_kernel_numba, chain_weights
from rfspin.physics.chain_kernel_far import _pole_powers
from rfspin.physics.chain_kernel_fast import far_field_plan
from rfspin.physics.chain_kernel_near import near_field

numba = pytest.importorskip("numba")


def _inputs(dtype, rows=6, n=40, groups=0, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.linspace(20.0, 120.0, n, dtype=dtype)  # MHz: the kernel is scale-free
    v = u * (1 + 0.01 * (torch.rand(rows, n, generator=g, dtype=dtype) * 2 - 1))
    d = 0.01 * u * (1 + 0.1 * torch.rand(rows, n, generator=g, dtype=dtype))
    a, b = (torch.randn(rows, n, generator=g, dtype=dtype) for _ in range(2))
    tones = u if not groups else u * (1 + 1e-3 * torch.randn(groups, n, generator=g, dtype=dtype))
    return u, tones, v, d, a, b


def _run(fn, xs, seed=3):
    xs = [x.clone().requires_grad_() for x in xs]
    w = fn(*xs)
    gw = torch.randn(w.shape, generator=torch.Generator().manual_seed(seed), dtype=w.dtype)
    (w * gw).sum().backward()
    return [w.detach()] + [x.grad for x in xs]


def _no_numba(monkeypatch):
    monkeypatch.setattr(chain_kernel_numba, "_kernels", lambda: None)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("groups", [0, 2])
def test_near_band_matches_torch(monkeypatch, dtype, groups):
    u, tones, v, d, a, b = _inputs(dtype, n=96, groups=groups)
    plan = far_field_plan(u, u, 0.01, near_radius=5.0)
    assert plan.band is not None and len({w for *_, w in plan.band}) > 1
    per_group = 3 if groups else 1

    def f(*xs):
        return near_field(tones, *xs, plan, per_group)

    assert chain_kernel_numba.compiled(v) is not None
    fused = _run(f, (v, d, a, b))
    _no_numba(monkeypatch)
    ref = _run(f, (v, d, a, b))
    tol = dict(rtol=1e-10, atol=0) if dtype == torch.float64 else dict(rtol=2e-4, atol=1e-5)
    for x, y in zip(fused, ref):
        torch.testing.assert_close(x, y, **tol, msg=lambda m: m)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_far_coefficients_and_grads_match_torch(dtype):
    _, _, v, d, a, b = _inputs(dtype, n=24)
    anchors = v.mean(0)
    radius = 6 * 0.01 * anchors
    kernels = chain_kernel_numba.compiled(v)
    re, im = _pole_powers(v, d, anchors, radius, 7)
    ref = re * a.unsqueeze(1) + im * (b / d).unsqueeze(1)
    got = chain_kernel_numba.far_coefficients(kernels, v, d, a, b, anchors, radius, 7)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(got, ref, **tol)
    gm = torch.randn(ref.shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    xs = [x.clone().requires_grad_() for x in (v, d, a, b)]
    re, im = _pole_powers(*xs[:2], anchors, radius, 7)
    ((re * xs[2].unsqueeze(1) + im * (xs[3] / xs[1]).unsqueeze(1)) * gm).sum().backward()
    grads = chain_kernel_numba.far_coefficient_grads(kernels, gm, v, d, a, b, anchors, radius)
    for x, g in zip(xs, grads):
        torch.testing.assert_close(g, x.grad, rtol=1e-3 if dtype == torch.float32 else 1e-9,
                                   atol=1e-3 * x.grad.abs().max().item())


def test_gradcheck_float64_compiled():
    u, _, v, d, a, b = _inputs(torch.float64, rows=3, n=24)
    plan = far_field_plan(u, u, 0.01, near_radius=3.0)
    xs = [x.clone().requires_grad_() for x in (v, d, a, b)]
    kernels = chain_kernel_numba.compiled(v)
    assert torch.autograd.gradcheck(
        lambda *t: chain_kernel_numba.near_band(kernels, u, *t, plan.band, 1), xs)
    assert torch.autograd.gradcheck(
        lambda *t: chain_weights(u, *t, method="fast", plan=plan, rtol=1e-13), xs)
    assert plan.last_bound is not None


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_fast_kernel_same_without_numba(monkeypatch, dtype):
    u, _, v, d, a, b = _inputs(dtype, rows=8, n=64)
    plan = far_field_plan(u, u, 0.01)

    def f(*xs):
        return chain_weights(u, *xs, method="fast", plan=plan)

    fused = _run(f, (v, d, a, b))
    _no_numba(monkeypatch)
    assert chain_kernel_numba.compiled(v) is None
    ref = _run(f, (v, d, a, b))
    tol = dict(rtol=1e-9, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-3, atol=1e-4)
    for x, y in zip(fused, ref):
        torch.testing.assert_close(x, y, rtol=tol["rtol"], atol=tol["atol"] * y.abs().max().item())


def test_other_devices_and_dtypes_take_the_torch_path():
    cpu = torch.zeros(2, 3)
    assert chain_kernel_numba.compiled(cpu) is not None
    assert chain_kernel_numba.compiled(torch.zeros(2, 3, device="meta")) is None
    assert chain_kernel_numba.compiled(cpu, torch.zeros(3, dtype=torch.float64)) is None
    assert chain_kernel_numba.compiled(torch.zeros(2, 3, dtype=torch.bfloat16)) is None


def test_parallel_build_matches_serial():
    u, _, v, d, a, b = _inputs(torch.float64, rows=8, n=64)
    plan = far_field_plan(u, u, 0.01)

    def f(*xs):
        return chain_weights(u, *xs, method="fast", plan=plan) + chain_weights(u, *xs, method="exact")

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        serial = _run(f, (v, d, a, b))
        torch.set_num_threads(2)
        parallel = _run(f, (v, d, a, b))
    finally:
        torch.set_num_threads(threads)
    for x, y in zip(serial, parallel):
        torch.testing.assert_close(x, y, rtol=1e-12, atol=0)
    _, parallel_kernels, serial_kernels = chain_kernel_numba._kernels()
    for name, kernel in serial_kernels.items():  # own names: numba's disk cache must not mix the builds
        if kernel is parallel_kernels[name]:  # one build (the lineshape passes: rows split over threads)
            assert not kernel.targetoptions.get("parallel")
            continue
        assert kernel.py_func.__qualname__ != parallel_kernels[name].py_func.__qualname__


@pytest.mark.parametrize("threads", [2, 3])
def test_row_split_over_threads_matches_one_thread(threads):
    """Kernel threads set explicitly (torch on one thread): rows split over Python threads give
    the one-thread values bit for bit, forward and backward, near band and exact, per-row tones too."""
    from rfspin.physics import numba_support

    u, tones, v, d, a, b = _inputs(torch.float32, rows=9, n=96, groups=3)
    plan = far_field_plan(u, u, 0.01, near_radius=5.0)

    def f(*xs):
        exact = chain_weights(tones, *(x.view(3, 3, 96) for x in xs), method="exact").reshape(9, 96)
        return near_field(tones, *xs, plan, 3) + exact

    previous = numba_support.set_kernel_threads(1)
    try:
        one = _run(f, (v, d, a, b))
        numba_support.set_kernel_threads(threads)
        old_min, numba_support.SPLIT_MIN_WORK = numba_support.SPLIT_MIN_WORK, 1
        try:
            split = _run(f, (v, d, a, b))
        finally:
            numba_support.SPLIT_MIN_WORK = old_min
    finally:
        numba_support.set_kernel_threads(previous)
    for x, y in zip(one, split):
        assert torch.equal(x, y)
    from rfspin.errors import RfspinError

    with pytest.raises(RfspinError, match="kernel threads"):
        numba_support.set_kernel_threads(0)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_exact_kernel_same_without_numba(monkeypatch, dtype):
    u, tones, v, d, a, b = _inputs(dtype, rows=6, n=32, groups=2)
    v2, d2, a2, b2 = (t.view(2, 3, 32) for t in (v, d, a, b))  # per-chip tones (2, I)

    def f(*xs):
        return chain_weights(tones, *xs, method="exact")

    fused = _run(f, (v2, d2, a2, b2))
    _no_numba(monkeypatch)
    ref = _run(f, (v2, d2, a2, b2))
    tol = dict(rtol=1e-10, atol=0) if dtype == torch.float64 else dict(rtol=1e-4, atol=1e-5)
    for x, y in zip(fused, ref):
        torch.testing.assert_close(x, y, rtol=tol["rtol"], atol=tol["atol"] * y.abs().max().item())


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_series_stats_match_torch(monkeypatch, dtype):
    from rfspin.physics.chain_kernel_fast import _series_stats

    u, _, v, d, a, b = _inputs(dtype, rows=8, n=64)
    plan = far_field_plan(u, u, 0.01)
    min_tau = plan.min_tau.unsqueeze(0)
    fused = _series_stats(v, d, a, b, plan, min_tau, 0.5)
    assert fused[0] is None and fused[1] == 0  # all inside the series' validity: no mask needed
    v_far = v.clone()
    v_far[2, 5] = u[5] + 40 * 0.01 * u[5]  # far from its anchor: outside the validity, the torch path's mask
    irregular = _series_stats(v_far, d, a, b, plan, min_tau, 0.5)
    assert irregular[1] == 1 and not bool(irregular[0].view(8, 64)[2, 5])
    _no_numba(monkeypatch)
    ref = _series_stats(v, d, a, b, plan, min_tau, 0.5)
    assert ref[1] == 0
    tol = dict(rtol=1e-15, atol=0) if dtype == torch.float64 else dict(rtol=0, atol=0)
    for x, y in zip(fused[2:], ref[2:]):
        torch.testing.assert_close(x, y, **tol)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_bound_window_matches_torch(monkeypatch, dtype):
    from rfspin.physics.chain_kernel_fast import _BoundTable, _series_stats

    u, _, v, d, a, b = _inputs(dtype, rows=8, n=64)
    plan = far_field_plan(u, u, 0.01)
    min_tau = plan.min_tau.unsqueeze(0)
    _, _, c_max, z_max = _series_stats(v, d, a, b, plan, min_tau, 0.5)
    rho = (z_max / min_tau).nan_to_num(0.0)

    def window():
        table = _BoundTable(plan, plan.inv_tau.unsqueeze(0), False, c_max, z_max, rho)
        table._compute(2, 14)
        return torch.tensor([table.values[n] for n in range(2, 15)], dtype=torch.float64)

    fused = window()
    assert "stack" not in plan.abs_terms  # no |T| stack stored with numba
    _no_numba(monkeypatch)
    torch.testing.assert_close(fused, window(), rtol=1e-12 if dtype == torch.float64 else 1e-5, atol=0)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("per_row", [False, True])
def test_all_pairs_equal_a_full_band(dtype, per_row):
    from rfspin.physics.chain_kernel_numba import all_pairs, compiled, near_band

    u, _, v, d, a, b = _inputs(dtype, rows=5, n=48)
    v, d, a, b = (x[:, :40].contiguous() for x in (v, d, a, b))  # fewer resonators than tones
    tones = u * (1 + 1e-3 * torch.arange(5, dtype=dtype)).unsqueeze(1) if per_row else u
    kernels = compiled(v)
    full = ((0, 40, 0, 40 + 48),)
    ours = _run(lambda *xs: all_pairs(kernels, tones, *xs), (v, d, a, b))
    band = _run(lambda *xs: near_band(kernels, tones, *xs, full, 1), (v, d, a, b))
    for x, y in zip(ours, band):  # the exact pass sums in blocks of four (another order) with fast-math
        tol = 1e-13 if dtype == torch.float64 else 2e-6
        torch.testing.assert_close(x, y, rtol=0, atol=tol * float(y.abs().max()))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("where", ["v", "delta", "a", "b", "grad"])
def test_fast_math_passes_keep_nan(monkeypatch, dtype, where):
    """The fast-math lineshape passes must not drop a NaN: the same NaN pattern as the torch passes."""
    u, _, v, d, a, b = _inputs(dtype, rows=3, n=32)
    xs = dict(v=v.clone(), delta=d.clone(), a=a.clone(), b=b.clone())
    if where != "grad":
        xs[where][1, 4] = float("nan")

    def nan_pattern():
        ts = [t.clone().requires_grad_() for t in xs.values()]
        w = chain_weights(u, *ts, method="exact")
        g = torch.ones_like(w)
        if where == "grad":
            g[1, 7] = float("nan")
        w.backward(g)
        return [w.isnan()] + [t.grad.isnan() for t in ts]

    assert chain_kernel_numba.compiled(v) is not None
    ours = nan_pattern()
    assert bool(ours[0][1].all() if where != "grad" else ~ours[0].any()) and bool(ours[1][1].any())
    _no_numba(monkeypatch)
    for x, y in zip(ours, nan_pattern()):
        assert torch.equal(x, y)
