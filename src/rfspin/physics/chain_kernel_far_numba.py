"""Compiled (numba) passes of the fast kernel's far field: series coefficients, their backward,
the series statistics and the error bound's products (:mod:`rfspin.physics.chain_kernel_far`,
:mod:`rfspin.physics.chain_kernel_fast`).

Far field: the coefficients M_n[r, k] = Re(2 c zeta^n) = A Re(zeta^n) + (B / Delta) Im(zeta^n),
zeta = (v - a_k + i Delta) / R_k (dimensionless; anchors a_k and radii R_k [Hz]), with the powers
by repeated complex multiplication, and their backward pass (derivatives in
:class:`rfspin.physics.chain_kernel_far._FarField`) given dL/dM_n.

Series statistics (:func:`far_stats`): which resonators lie inside the series' validity
(|zeta| <= rho_max min|tau|, Delta > 0), and per anchor the maxima C_k of 2|c| = |A - iB/Delta|
and Z_k of |zeta| over them, for the error bound; moduli in float64, rounded to the dtype. The
bound's products sum_k w_k |T_N[k, i]| for a window of N (:func:`bound_sums`), powers of 1/tau
formed on the fly (no stored |T| stack: one pass over the (K, I) matrix instead of N).

Each kernel has a parallel build (rows in parallel, numba's workqueue layer) and a serial one
(keyed by its own name in numba's disk cache); IEEE semantics throughout (the NaN checks of the
statistics must hold). The kernels come through :func:`rfspin.physics.chain_kernel_numba.compiled`.
"""

from __future__ import annotations

import functools
import math
import types

from torch import Tensor

from .numba_support import numba_or_none

__all__ = ["bound_sums", "far_coefficient_grads", "far_coefficients", "far_kernels", "far_stats"]


@functools.lru_cache(maxsize=1)
def far_kernels() -> tuple[dict, dict]:
    """(parallel, serial) builds of the far-field kernels by name (numba present: the caller checked)."""
    numba = numba_or_none()
    import numpy as np

    serial = {}

    def jit(fn):  # parallel over rows (prange), and a serial build of the same code for one thread
        twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
        twin.__qualname__ = fn.__qualname__ + "_serial"  # numba's disk cache is keyed on the name, not the flags
        serial[fn.__name__] = numba.njit(twin, cache=True, error_model="numpy")
        return numba.njit(fn, parallel=True, cache=True, error_model="numpy")

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

    parallel = {"far_forward": far_forward, "far_backward": far_backward, "far_stats": far_stats,
                "bound_sums": bound_sums}
    return parallel, serial


def _np(t: Tensor):
    t = t.detach()
    return (t if t.is_contiguous() else t.contiguous()).numpy()


def _empty4(v: Tensor) -> list[Tensor]:
    return [v.new_empty(v.shape) for _ in range(4)]


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
