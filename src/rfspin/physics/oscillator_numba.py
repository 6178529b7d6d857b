"""Compiled (numba) pass of the oscillator neurons: P(V) and dP/dV in one sweep over the batch.

Same quantities, in the same order of floating-point operations, as
:func:`rfspin.physics.oscillator.oscillator_power` computes with a dozen elementwise tensor
passes: for voltages V (B, N) [V] and per-neuron parameters (N,),

    raw = g_m (V + V_bias),  I = min(max(raw, 0), I_max)  [A],  zeta = I / I_th,
    p0 = (zeta - 1) / (zeta + Q) above threshold (0 below),
    P = A p0 (dR/R beta)^2 R I^2  [W],
    dP/dV = A (dR/R beta)^2 R (dp0/dzeta I^2 / I_th + 2 p0 I) g_m s  [W/V],
    dp0/dzeta = ([zeta >= 1] - p0) / (zeta + Q or 1),  s = 1 on 0 <= raw < I_max, 1/2 at I_max.

numba is optional; :func:`compiled_power` returns None without it, off the CPU, for other
dtypes or shapes, and under torch.compile (callers keep the tensor passes).
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from .numba_support import cpu_float_tensors

__all__ = ["compiled_power"]


@functools.lru_cache(maxsize=1)
def _kernel():
    try:
        import numba
        import numpy as np
    except ImportError:
        return None

    @numba.njit(cache=True, error_model="numpy")
    def power(v, g, vb, i_max, i_th, q, res, mr, beta, pref, out, slope, want_slope):  # pragma: no cover
        one, zero = np.ones(1, v.dtype)[0], np.zeros(1, v.dtype)[0]
        two, half = one + one, one / (one + one)
        k2 = mr * beta
        k2 = k2 * k2
        scale = pref * k2 * res
        for b in range(v.shape[0]):  # neurons innermost: contiguous, vectorised
            vb_row, out_row, slope_row = v[b], out[b], slope[b]
            for n in range(v.shape[1]):
                raw = g[n] * (vb_row[n] + vb[n])
                current = zero if raw < zero else raw  # clamp(min=0), NaN kept
                current = i_max[n] if current > i_max[n] else current  # minimum, NaN kept
                zeta = current / i_th[n]
                above = zeta - one
                above = zero if above < zero else above
                den = zeta + q[n] if above > zero else one
                p0 = above / den
                out_row[n] = pref[n] * p0 * k2[n] * res[n] * (current * current)
                if want_slope:
                    s = (one if raw < i_max[n] else (half if raw == i_max[n] else zero)) if raw >= zero else zero
                    dp0 = ((one if zeta >= one else zero) - p0) / den
                    slope_row[n] = s * g[n] * (((dp0 * current) / i_th[n] + two * p0) * current) * scale[n]

    return power


def compiled_power(voltage: Tensor, params: list[Tensor], want_slope: bool) -> tuple[Tensor, Tensor | None] | None:
    """(P, dP/dV or None) for voltages (B, N) and the nine parameters of
    :func:`~rfspin.physics.oscillator.oscillator_power` in its order (g_m, V_bias, I_max, I_th,
    Q, R, dR/R, beta, A), each (N,) or a scalar; None where the
    compiled pass does not apply."""
    if voltage.dim() != 2 or not cpu_float_tensors(voltage, *params):
        return None
    n = voltage.shape[1]
    if any(p.dim() > 1 or (p.dim() == 1 and p.shape[0] != n) for p in params):
        return None
    kernel = _kernel()
    if kernel is None:
        return None
    arrays = [p.detach().expand(n).contiguous().numpy() for p in params]
    out = torch.empty_like(voltage, memory_format=torch.contiguous_format)
    slope = torch.empty_like(out) if want_slope else out
    kernel(voltage.detach().contiguous().numpy(), *arrays, out.numpy(), slope.numpy(), want_slope)
    return out, (slope if want_slope else None)
