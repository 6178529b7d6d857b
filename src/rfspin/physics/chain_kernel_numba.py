"""Compiled (numba) passes of the chain kernels: band near field, far-field coefficients, exact kernel.

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

Far field: the coefficients M_n[r, k] = Re(2 c zeta^n) = A Re(zeta^n) + (B / Delta) Im(zeta^n),
zeta = (v - a_k + i Delta) / R_k (dimensionless; anchors a_k and radii R_k [Hz]), with the powers
by repeated complex multiplication, and their backward pass (derivatives in
:class:`rfspin.physics.chain_kernel_far._FarField`) given dL/dM_n.

Series statistics (:func:`far_stats`): which resonators lie inside the series' validity
(|zeta| <= rho_max min|tau|, Delta > 0), and per anchor the maxima C_k of 2|c| = |A - iB/Delta|
and Z_k of |zeta| over them, for the error bound; moduli in float64, rounded to the dtype. The
bound's products sum_k w_k |T_N[k, i]| for a window of N (:func:`bound_sums`), powers of 1/tau
formed on the fly (no stored |T| stack: one pass over the (K, I) matrix instead of N).

All loops are vectorised along their contiguous innermost index and run in parallel over rows
(numba's workqueue threading layer, whose workers do not spin) for large calls, else a serial
build of the same code (no thread pool woken). The four lineshape passes (near and exact, each
way) are built with fast-math: their one division per pair becomes a reciprocal estimate refined
by a Newton step and the sums may be contracted into fused multiply-adds, 1.4x faster in float32
(AVX-512) for a relative change of ~1e-7 (float32) in W (tests bound it against the torch
passes; NaN inputs still give NaN, tested). The statistics and far-field kernels keep IEEE
semantics (their NaN checks must hold). numba (a core dependency) is imported on first use;
:func:`compiled` returns None
without it, off the CPU, for other dtypes or while torch.compile traces, and callers keep the
torch passes.
"""

from __future__ import annotations

import functools
import math
import types

import torch
from torch import Tensor

from .numba_support import kernel_threads, numba_or_none, run_row_blocks

__all__ = ["all_pairs", "bound_sums", "compiled", "far_coefficients", "far_coefficient_grads", "far_stats", "near_band"]


@functools.lru_cache(maxsize=1)
def _kernels():
    """The compiled kernels (a namespace), or None without numba."""
    numba = numba_or_none()
    if numba is None:
        return None
    import numpy as np
    serial = {}

    def jit(fn):  # parallel over rows (prange), and a serial build of the same code for one thread
        twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
        twin.__qualname__ = fn.__qualname__ + "_serial"  # numba's disk cache is keyed on the name, not the flags
        serial[fn.__name__] = numba.njit(twin, cache=True, error_model="numpy")
        return numba.njit(fn, parallel=True, cache=True, error_model="numpy")

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

    @jit
    def far_forward(v, delta, a, b, anchors, radius, out):  # pragma: no cover - compiled
        n_rows, n_terms, n_res = out.shape
        for r in numba.prange(n_rows):
            x = (v[r] - anchors) / radius
            y = delta[r] / radius
            bp = b[r] / delta[r]
            pr, pi = np.ones(n_res, v.dtype), np.zeros(n_res, v.dtype)
            for n in range(n_terms):
                for k in range(n_res):
                    out[r, n, k] = a[r, k] * pr[k] + bp[k] * pi[k]
                    re = pr[k] * x[k] - pi[k] * y[k]
                    pi[k] = pr[k] * y[k] + pi[k] * x[k]
                    pr[k] = re

    @jit
    def far_backward(gm, v, delta, a, b, anchors, radius, gv, gd, ga, gb):  # pragma: no cover - compiled
        n_rows, n_terms, n_res = gm.shape
        for r in numba.prange(n_rows):
            x = (v[r] - anchors) / radius
            y = delta[r] / radius
            pr, pi = np.ones(n_res, v.dtype), np.zeros(n_res, v.dtype)
            sums = np.zeros((4, n_res), v.dtype)  # sum_n gM_n zeta^n, sum_n n gM_n zeta^(n-1): Re, Im
            scale = np.zeros(1, v.dtype)
            for n in range(n_terms):
                gn, gup = gm[r, n], gm[r, min(n + 1, n_terms - 1)]
                scale[0] = n + 1 if n + 1 < n_terms else 0  # the factor n of the next term, in the dtype
                w = scale[0]
                for k in range(n_res):
                    sums[0, k] += gn[k] * pr[k]
                    sums[1, k] += gn[k] * pi[k]
                    sums[2, k] += w * gup[k] * pr[k]
                    sums[3, k] += w * gup[k] * pi[k]
                    re = pr[k] * x[k] - pi[k] * y[k]
                    pi[k] = pr[k] * y[k] + pi[k] * x[k]
                    pr[k] = re
            bp = b[r] / delta[r]
            d_re, d_im = sums[2] / radius, sums[3] / radius
            gv[r] = a[r] * d_re + bp * d_im
            gd[r] = bp * d_re - a[r] * d_im - bp / delta[r] * sums[1]
            ga[r] = sums[0]
            gb[r] = sums[1] / delta[r]

    @jit
    def far_stats(v, delta, a, b, anchors, radius, limit, c_max, z_max):  # pragma: no cover - compiled
        n_rows, n_res = v.shape  # serial loops (maxima into shared arrays): the parallel build runs them too
        zero = np.zeros(1, v.dtype)[0]
        c_max[:] = zero
        z_max[:] = zero
        irregular = 0
        for r in range(n_rows):
            for k in range(n_res):  # |x + iy| in float64, then rounded: hypot without overflow; branch-free
                x, y = np.float64((v[r, k] - anchors[k]) / radius[k]), np.float64(delta[r, k] / radius[k])
                zeta = v.dtype.type(math.sqrt(x * x + y * y))
                x, y = np.float64(a[r, k]), np.float64(b[r, k] / delta[r, k])
                two_c = v.dtype.type(math.sqrt(x * x + y * y))
                ok = zeta <= limit[k] and delta[r, k] > zero
                irregular += 0 if ok else 1
                z_max[k] = max(z_max[k], zeta if ok else zero)
                c_max[k] = two_c if ok and (two_c != two_c or two_c > c_max[k]) else c_max[k]  # NaN stays (amax)
        return irregular

    @jit
    def bound_sums(inv_tau, radius, weight, lo, flush, out):  # pragma: no cover - compiled
        n_win, n_res = weight.shape
        n_tones = inv_tau.shape[1]
        out[:] = 0
        p = np.empty(n_tones, inv_tau.dtype)
        zero = np.zeros(1, inv_tau.dtype)[0]
        for k in range(n_res):  # serial (sums over k into shared rows): the parallel build runs it too
            row, r = inv_tau[k], radius[k]
            for i in range(n_tones):  # the powers and flushes of inverse_powers, never stored
                p[i] = zero if abs(row[i]) < flush else row[i]
            for n in range(lo + n_win):
                if n >= lo and weight[n - lo, k] != 0:
                    w, o = weight[n - lo, k] / r, out[n - lo]  # w_k / R_k once, not a division per tone
                    for i in range(n_tones):
                        o[i] += w * abs(p[i])
                for i in range(n_tones):
                    q = p[i] * row[i]
                    p[i] = zero if abs(q) < flush else q

    parallel = {"near_forward": near_forward, "near_backward": near_backward, "all_forward": all_forward,
                "all_backward": all_backward, "far_forward": far_forward,
                "far_backward": far_backward, "far_stats": far_stats, "bound_sums": bound_sums}
    return numba, parallel, serial


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
    if torch.compiler.is_compiling():
        return None
    dtype = tensors[0].dtype
    if dtype not in (torch.float32, torch.float64) or any(t.device.type != "cpu" or t.dtype != dtype
                                                          for t in tensors):
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


def far_coefficients(kernels, v: Tensor, delta: Tensor, a: Tensor, b: Tensor, anchors: Tensor, radius: Tensor,
                     n_terms: int) -> Tensor:
    """M (rows, n_terms, K), M_n = A Re(zeta^n) + (B / Delta) Im(zeta^n) (module docstring)."""
    out = v.new_empty(v.shape[0], n_terms, v.shape[1])
    kernels["far_forward"](*(_np(t) for t in (v, delta, a, b, anchors, radius)), out.numpy())
    return out


def far_stats(kernels, v: Tensor, delta: Tensor, a: Tensor, b: Tensor, anchors: Tensor, radius: Tensor,
              limit: Tensor) -> tuple[int, Tensor, Tensor]:
    """(resonators outside the series, C_k = max_r 2|c_rk|, Z_k = max_r |zeta_rk|) over the regular
    resonators (|zeta| <= ``limit`` (K,), Delta > 0), |zeta| = |v - a_k + i Delta| / R_k, 2|c| = |A - i B / Delta|
    (:mod:`rfspin.physics.chain_kernel_fast`), in one pass instead of a dozen tensor passes."""
    c_max, z_max = v.new_empty(v.shape[1]), v.new_empty(v.shape[1])
    irregular = kernels["far_stats"](*(_np(t) for t in (v, delta, a, b, anchors, radius, limit)), c_max.numpy(),
                                     z_max.numpy())
    return int(irregular), c_max, z_max


def bound_sums(kernels, inv_tau: Tensor, radius: Tensor, weight: Tensor, lo: int, flush: float) -> Tensor:
    """S (n, I) with S[j, i] = sum_k weight[j, k] |T_(lo+j)[k, i]| [1/Hz x weight], T_n = inv_tau^(n+1) / R_k
    flushed as in :func:`rfspin.physics.chain_kernel_fast.inverse_powers` (entries below ``flush`` set
    to 0): the error bound's products for a window of N, from inv_tau (K, I) without a stored |T| stack."""
    out = weight.new_empty(weight.shape[0], inv_tau.shape[1])
    inv = _np(inv_tau)
    kernels["bound_sums"](inv, _np(radius), _np(weight), lo, inv.dtype.type(flush), out.numpy())
    return out


def far_coefficient_grads(kernels, grad_m: Tensor, v: Tensor, delta: Tensor, a: Tensor, b: Tensor,
                          anchors: Tensor, radius: Tensor) -> list[Tensor]:
    """[dL/dv, dL/dDelta, dL/dA, dL/dB] (rows, K) from dL/dM (rows, n_terms, K)."""
    grads = _empty4(v)
    kernels["far_backward"](*(_np(t) for t in (grad_m, v, delta, a, b, anchors, radius)),
                            *(g.numpy() for g in grads))
    return grads


class _NearBandCompiled(torch.autograd.Function):
    """Band near field (module docstring); ``seg`` (S, 3) int64 array, rows (k0, k1, w) of the segments.
    Rows are split over :func:`~rfspin.physics.numba_support.kernel_threads` threads."""

    @staticmethod
    def forward(ctx, u, v, delta, a, b, seg, shift, per_group, kernels, kind, work):
        out = v.new_empty(v.shape[0], u.shape[1])
        arrays = [_np(t) for t in (u, v, delta, a, b)]
        o = out.numpy()
        threads = kernel_threads(work, PARALLEL_MIN_WORK)
        run_row_blocks(kernels[kind + "_forward"], v.shape[0], threads, lambda s, e: (
            arrays[0], *(x[s:e] for x in arrays[1:]), seg, shift, per_group, s, o[s:e]))
        ctx.save_for_backward(u, v, delta, a, b)
        ctx.seg, ctx.shift, ctx.per_group, ctx.kernels, ctx.kind = seg, shift, per_group, kernels, kind
        ctx.threads = threads
        return out

    @staticmethod
    def backward(ctx, grad_out):
        tensors = ctx.saved_tensors
        grads = _empty4(tensors[1])
        arrays = [_np(t) for t in tensors]
        g, outs = _np(grad_out), [x.numpy() for x in grads]
        run_row_blocks(ctx.kernels[ctx.kind + "_backward"], arrays[1].shape[0], ctx.threads, lambda s, e: (
            arrays[0], *(x[s:e] for x in arrays[1:]), ctx.seg, ctx.shift, ctx.per_group, s, g[s:e],
            *(x[s:e] for x in outs)))
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
