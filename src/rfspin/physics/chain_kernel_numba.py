"""Compiled (numba) passes of the chain kernels: band near field and exact kernel (the lineshape sums).

Same quantities as the torch passes of :mod:`rfspin.physics.chain_kernel_near`,
:mod:`rfspin.physics.chain_kernel_far` and :mod:`rfspin.physics.chain_kernel`, each in one pass
over its data instead of a dozen elementwise tensor passes:

Near field (band plans), for rows r and resonators k with their band of tones i = k + c + o,
|o| <= w_k (clipped to the tones), u [Hz] the row's tones, v [Hz], Delta [Hz], A, B as in
:mod:`rfspin.physics.chain_kernel`:

    W_ri += G_rk(u_i) = (A_rk d + B_rk) / D,   d = u_i - v_rk,   D = d^2 + Delta_rk^2     [V/W]

and, for an upstream gradient g_ri = dL/dW_ri, with q = g / D, the closed-form sums over the band

    dL/dB = sum q,  dL/dA = sum q d,  dL/dv = 2 sum q d G - A sum q,  dL/dDelta = -2 Delta sum q G.

The exact kernel (:func:`all_pairs`) is the same sum over every pair (plain loops over tones and
resonators, four at a time; the same values as a band that covers every tone, up to rounding).
Its backward pass accumulates dimensionless sums with w = Delta^2 / D in (0, 1] (sum g w, sum g w d,
sum g w^2, sum g w^2 d: with g / D^2 directly, float32 would underflow into denormals at GHz
frequencies, 10x slower) and forms the four gradients from them per resonator.

The far-field kernels of the fast kernel live in :mod:`rfspin.physics.chain_kernel_far_numba`;
:func:`compiled` hands out both.

The lineshape passes have one build each, compiled without the GIL: a call's rows are split into
contiguous blocks over :func:`rfspin.physics.numba_support.kernel_threads` threads (Python
threads; rows are independent, so the values do not depend on the split). They are built with
fast-math: the one division per pair becomes a reciprocal estimate refined by a Newton step and
the sums may be contracted into fused multiply-adds (with the four-at-a-time loops, forward +
backward 2.2 ms against 4.7 ms for the drone network's first layer in float32, one thread,
AVX-512), for a relative change of ~1e-7 in W (tests bound it against the torch passes; NaN
inputs still give NaN, tested). numba (a core dependency) is imported on first use;
:func:`compiled` returns None without it, off the CPU, for other dtypes or while torch.compile
traces, and callers keep the torch passes.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from .chain_kernel_far_numba import bound_sums, far_coefficient_grads, far_coefficients, far_kernels, far_stats
from .numba_support import cpu_float_tensors, kernel_threads, numba_or_none, run_row_blocks

__all__ = ["all_pairs", "all_pairs_values", "bound_sums", "compiled", "far_coefficients", "far_coefficient_grads", "far_stats", "near_band"]


@functools.lru_cache(maxsize=1)
def _kernels():
    """The compiled kernels (a namespace), or None without numba."""
    numba = numba_or_none()
    if numba is None:
        return None
    import numpy as np
    serial = {}

    def lineshape_jit(fn):  # one build, without the GIL: rows are split over Python threads (_run_rows);
        # fast-math: a reciprocal estimate + one Newton step instead of a division per pair
        serial[fn.__name__] = kernel = numba.njit(fn, cache=True, nogil=True, fastmath=True, error_model="numpy")
        return kernel

    @lineshape_jit
    def near_forward(u, v, delta, a, b, seg, shift, per_group, r0, out):  # pragma: no cover - compiled
        n_tones = u.shape[1]
        for r in range(v.shape[0]):
            tones, row, vr, ar, br = u[(r + r0) // per_group], out[r], v[r], a[r], b[r]
            d2 = delta[r] * delta[r]
            row[:] = 0.0
            for j in range(seg.shape[0]):
                for o in range(-seg[j, 2], seg[j, 2] + 1):
                    c = shift + o  # tone i = k + c; slices: every index below starts at 0 (vectorised)
                    k0, k1 = max(seg[j, 0], -c), min(seg[j, 1], n_tones - c)
                    if k1 <= k0:
                        continue
                    t, w = tones[k0 + c:k1 + c], row[k0 + c:k1 + c]
                    vv, aa, bb, dd = vr[k0:k1], ar[k0:k1], br[k0:k1], d2[k0:k1]
                    for m in range(k1 - k0):
                        d = t[m] - vv[m]
                        w[m] += (aa[m] * d + bb[m]) / (d * d + dd[m])

    @lineshape_jit
    def near_backward(u, v, delta, a, b, seg, shift, per_group, r0, g, gv, gd, ga, gb):  # pragma: no cover
        n_rows, n_res = v.shape
        n_tones = u.shape[1]
        for r in range(n_rows):
            tones, grow, vr, ar, br = u[(r + r0) // per_group], g[r], v[r], a[r], b[r]
            d2 = delta[r] * delta[r]
            sums = np.zeros((4, n_res), v.dtype)  # sum q, sum q d, sum q d G, sum q G
            one = np.ones(1, v.dtype)[0]  # of the arrays' dtype (a literal 1.0 would be float64)
            for j in range(seg.shape[0]):
                for o in range(-seg[j, 2], seg[j, 2] + 1):
                    c = shift + o
                    k0, k1 = max(seg[j, 0], -c), min(seg[j, 1], n_tones - c)
                    if k1 <= k0:
                        continue
                    t, gg = tones[k0 + c:k1 + c], grow[k0 + c:k1 + c]
                    vv, aa, bb, dd = vr[k0:k1], ar[k0:k1], br[k0:k1], d2[k0:k1]
                    sq, sqd, sqdg, sqg = sums[0, k0:k1], sums[1, k0:k1], sums[2, k0:k1], sums[3, k0:k1]
                    for m in range(k1 - k0):
                        d = t[m] - vv[m]
                        inv = one / (d * d + dd[m])
                        q = gg[m] * inv
                        lin = (aa[m] * d + bb[m]) * inv
                        qd = q * d
                        sq[m] += q
                        sqd[m] += qd
                        sqdg[m] += qd * lin
                        sqg[m] += q * lin
            gb[r] = sums[0]
            ga[r] = sums[1]
            gv[r] = 2 * sums[2] - ar * sums[0]
            gd[r] = -2 * delta[r] * sums[3]

    @lineshape_jit
    def all_forward(u, v, delta, a, b, seg, shift, per_group, r0, out):  # pragma: no cover - compiled
        n_res = v.shape[1]  # every pair: tones innermost (contiguous), four resonators per pass over a row
        for r in range(v.shape[0]):
            tones, row, vr, ar, br = u[(r + r0) // per_group], out[r], v[r], a[r], b[r]
            d2 = delta[r] * delta[r]
            row[:] = 0.0
            k = 0
            while k + 4 <= n_res:  # one load and store of the row per four resonators, not per one
                v0, v1, v2, v3 = vr[k], vr[k + 1], vr[k + 2], vr[k + 3]
                a0, a1, a2, a3 = ar[k], ar[k + 1], ar[k + 2], ar[k + 3]
                b0, b1, b2, b3 = br[k], br[k + 1], br[k + 2], br[k + 3]
                c0, c1, c2, c3 = d2[k], d2[k + 1], d2[k + 2], d2[k + 3]
                for i in range(tones.shape[0]):
                    e0, e1, e2, e3 = tones[i] - v0, tones[i] - v1, tones[i] - v2, tones[i] - v3
                    row[i] += (((a0 * e0 + b0) / (e0 * e0 + c0) + (a1 * e1 + b1) / (e1 * e1 + c1))
                               + ((a2 * e2 + b2) / (e2 * e2 + c2) + (a3 * e3 + b3) / (e3 * e3 + c3)))
                k += 4
            for j in range(k, n_res):
                vk, ak, bk, ck = vr[j], ar[j], br[j], d2[j]
                for i in range(tones.shape[0]):
                    e = tones[i] - vk
                    row[i] += (ak * e + bk) / (e * e + ck)

    @lineshape_jit
    def all_backward(u, v, delta, a, b, seg, shift, per_group, r0, g, gv, gd, ga, gb):  # pragma: no cover
        n_rows, n_res = v.shape  # with w = Delta^2 / D in (0, 1] (dimensionless: no float32 underflow)
        for r in range(n_rows):  # sums S0 = sum g w, S1 = sum g w d, P0 = sum g w^2, P1 = sum g w^2 d
            tones, grow, vr = u[(r + r0) // per_group], g[r], v[r]
            d2 = delta[r] * delta[r]
            sums = np.zeros((4, n_res), v.dtype)
            s0, s1, p0, p1 = sums[0], sums[1], sums[2], sums[3]
            i = 0
            while i + 4 <= tones.shape[0]:  # four tones per pass over the sums (loads and stores / 4)
                t0, t1, t2, t3 = tones[i], tones[i + 1], tones[i + 2], tones[i + 3]
                g0, g1, g2, g3 = grow[i], grow[i + 1], grow[i + 2], grow[i + 3]
                for m in range(n_res):
                    c = d2[m]
                    e0, e1, e2, e3 = t0 - vr[m], t1 - vr[m], t2 - vr[m], t3 - vr[m]
                    w0, w1 = c / (e0 * e0 + c), c / (e1 * e1 + c)
                    w2, w3 = c / (e2 * e2 + c), c / (e3 * e3 + c)
                    q0, q1, q2, q3 = g0 * w0, g1 * w1, g2 * w2, g3 * w3
                    s0[m] += (q0 + q1) + (q2 + q3)
                    s1[m] += (q0 * e0 + q1 * e1) + (q2 * e2 + q3 * e3)
                    q0, q1, q2, q3 = q0 * w0, q1 * w1, q2 * w2, q3 * w3
                    p0[m] += (q0 + q1) + (q2 + q3)
                    p1[m] += (q0 * e0 + q1 * e1) + (q2 * e2 + q3 * e3)
                i += 4
            while i < tones.shape[0]:
                t0, g0 = tones[i], grow[i]
                for m in range(n_res):
                    e0 = t0 - vr[m]
                    w0 = d2[m] / (e0 * e0 + d2[m])
                    q0 = g0 * w0
                    s0[m] += q0
                    s1[m] += q0 * e0
                    q0 = q0 * w0
                    p0[m] += q0
                    p1[m] += q0 * e0
                i += 1
            # per resonator, with q = g / D: sum q = S0 / Delta^2, sum q d = S1 / Delta^2,
            # sum q G = (A P1 + B P0) / Delta^4, sum q d G = (A (S0 - P0) Delta^2 + B P1) / Delta^4
            ar, br = a[r], b[r]
            inv2 = 1 / d2
            gb[r] = s0 * inv2
            ga[r] = s1 * inv2
            gv[r] = (ar * (s0 - 2 * p0) + 2 * br * p1 * inv2) * inv2
            gd[r] = -2 * delta[r] * (ar * p1 + br * p0) * inv2 * inv2

    far_parallel, far_serial = far_kernels()
    parallel = {**serial, **far_parallel}  # the lineshape passes have one build (rows split by _run_rows)
    return numba, parallel, {**serial, **far_serial}


#: Pairs (or band elements) per call from which the parallel build is used: below, launching
#: numba's workers and their contention with torch's OpenMP threads (which spin after each of
#: torch's parallel regions) cost more than they save. Measured on 2 cores, 2 threads: the drone
#: layer (128 x 256 x 256 = 8 M pairs) trains 6.4 ms per step serial vs 7.9 ms parallel; the MNIST
#: layer (300 x 784 x 784 = 184 M pairs, exact) 59 ms parallel vs 89 ms serial.
PARALLEL_MIN_WORK = 1 << 25


def compiled(*tensors: Tensor, work: int = 0):
    """The kernels if they apply to ``tensors`` (numba present, all on the CPU, one float dtype,
    not under torch.compile), else None. ``work``: pairs the call evaluates; the parallel build
    only from PARALLEL_MIN_WORK on (and with more than one thread), the serial one otherwise."""
    if not cpu_float_tensors(*tensors):
        return None
    found = _kernels()
    if found is None:
        return None
    numba, parallel, serial = found
    threads = min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS)
    if threads <= 1 or work < PARALLEL_MIN_WORK:  # no thread pool woken for small passes
        return serial
    numba.set_num_threads(threads)
    return parallel


def _np(t: Tensor):
    t = t.detach()
    return (t if t.is_contiguous() else t.contiguous()).numpy()


@functools.lru_cache(maxsize=64)
def _segments(band: tuple):
    """(S, 3) int64 array of the band's segments (k0, k1, w)."""
    import numpy as np

    return np.array([[k0, k1, w] for k0, k1, _, w in band], dtype=np.int64)


def _empty4(v: Tensor) -> list[Tensor]:
    return [torch.empty_like(v, memory_format=torch.contiguous_format) for _ in range(4)]


def _lineshape_forward(kernels, kind: str, tensors, seg, shift: int, per_group: int, work: int):
    """W (rows, I) of one lineshape pass (``tensors``: u, v, Delta, A, B), rows split over threads;
    also the thread count, for the backward pass."""
    u, v = tensors[0], tensors[1]
    out = v.new_empty(v.shape[0], u.shape[1])
    arrays = [_np(t) for t in tensors]
    o = out.numpy()
    threads = kernel_threads(work, PARALLEL_MIN_WORK)
    run_row_blocks(kernels[kind + "_forward"], v.shape[0], threads, lambda s, e: (
        arrays[0], *(x[s:e] for x in arrays[1:]), seg, shift, per_group, s, o[s:e]))
    return out, threads


def _lineshape_backward(kernels, kind: str, tensors, seg, shift: int, per_group: int, threads: int,
                        grad_out: Tensor) -> list[Tensor]:
    """[dL/dv, dL/dDelta, dL/dA, dL/dB] (rows, K) of one lineshape pass given dL/dW."""
    grads = _empty4(tensors[1])
    arrays = [_np(t) for t in tensors]
    g, outs = _np(grad_out), [x.numpy() for x in grads]
    run_row_blocks(kernels[kind + "_backward"], arrays[1].shape[0], threads, lambda s, e: (
        arrays[0], *(x[s:e] for x in arrays[1:]), seg, shift, per_group, s, g[s:e], *(x[s:e] for x in outs)))
    return grads


class _NearBandCompiled(torch.autograd.Function):
    """Band near field (module docstring); ``seg`` (S, 3) int64 array, rows (k0, k1, w) of the segments.
    Rows are split over :func:`~rfspin.physics.numba_support.kernel_threads` threads."""

    @staticmethod
    def forward(ctx, u, v, delta, a, b, seg, shift, per_group, kernels, kind, work):
        out, ctx.threads = _lineshape_forward(kernels, kind, (u, v, delta, a, b), seg, shift, per_group, work)
        ctx.save_for_backward(u, v, delta, a, b)
        ctx.seg, ctx.shift, ctx.per_group, ctx.kernels, ctx.kind = seg, shift, per_group, kernels, kind
        return out

    @staticmethod
    def backward(ctx, grad_out):
        grads = _lineshape_backward(ctx.kernels, ctx.kind, ctx.saved_tensors, ctx.seg, ctx.shift, ctx.per_group,
                                    ctx.threads, grad_out)
        return None, *grads, None, None, None, None, None, None


@functools.lru_cache(maxsize=64)
def _band_elements(band: tuple) -> int:
    """Band elements per row (an upper bound: clipping at the tones' ends is not counted)."""
    return sum((k1 - k0) * (2 * w + 1) for k0, k1, _, w in band)


def near_band(kernels, tones: Tensor, v: Tensor, delta: Tensor, a: Tensor, b: Tensor, band: tuple,
              per_group: int) -> Tensor:
    """W_near (rows, I) [V/W] of a band plan (``band``: segments (k0, k1, c, w), one c) with the
    compiled kernels; ``tones`` (I,) shared or (G, I) per group of ``per_group`` rows."""
    u = tones.reshape(-1, tones.shape[-1])
    per = per_group if u.shape[0] > 1 else max(1, v.shape[0])
    return _NearBandCompiled.apply(u, v, delta, a, b, _segments(band), int(band[0][2]), per, kernels, "near",
                                   v.shape[0] * _band_elements(band))


def all_pairs(kernels, tones: Tensor, v: Tensor, delta: Tensor, a: Tensor, b: Tensor) -> Tensor:
    """Exact W (rows, I) [V/W], every resonator against every tone: the values of a band that covers
    all tones up to rounding, with plain loops (no offsets); ``tones`` (I,) shared or (rows, I) one set
    per row. No gradient for the tones."""
    u = tones.reshape(-1, tones.shape[-1])
    per = 1 if u.shape[0] > 1 else max(1, v.shape[0])
    return _NearBandCompiled.apply(u, v, delta, a, b, None, 0, per, kernels, "all", v.numel() * u.shape[-1])


def all_pairs_values(kernels, tones: Tensor, v: Tensor, delta: Tensor, a: Tensor, b: Tensor,
                     per_group: int) -> Tensor:
    """Exact W (rows, I) [V/W] without autograd (Monte-Carlo over chips): ``tones`` (G, I), one set per
    group of ``per_group`` consecutive rows (e.g. the chains of one chip)."""
    with torch.no_grad():
        out, _ = _lineshape_forward(kernels, "all", (tones, v, delta, a, b), None, 0, max(1, per_group),
                                    v.numel() * tones.shape[-1])
    return out
