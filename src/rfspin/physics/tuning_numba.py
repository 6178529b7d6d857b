"""Compiled (numba) pass of the tuning map detuning -> (f, Delta, A, B) and of its backward.

Same values, with the same floating-point operations in the same order (no fast-math: bit for bit),
as :func:`rfspin.physics.resonator.tuned_coefficients` computes with a dozen elementwise tensor
passes: for detuning x (rows, K) in nominal half linewidths, anchors a (K,) [Hz], nominal damping
alpha, band [low, high] [Hz], damping, lineshape factors f_A [V/W], f_B [V/W] (rows, K),

    u = a alpha,  raw = a + u x,  f = clamp(raw, low, high)  [Hz],
    Delta = damping f  [Hz],  A = f_A Delta,  B = (f_B Delta) Delta,

and, given dL/d(f, Delta, A, B),

    dL/dx = u [low <= raw <= high] (g_f + damping (g_Delta + f_A g_A + (2 f_B) Delta g_B)).

In a training step of the drone network these two passes replace ~20 small tensor operations per
layer (~0.4 ms of a ~5 ms step on 2 cores). :func:`compiled_tuning` returns None where the pass
does not apply (no numba, off the CPU, mixed dtypes, under torch.compile); callers keep the
tensor passes.
"""

from __future__ import annotations

import functools

from torch import Tensor

from .numba_support import cpu_float_tensors, numba_or_none

__all__ = ["compiled_tuning", "tuning_backward", "tuning_forward"]


@functools.lru_cache(maxsize=1)
def _kernels():
    numba = numba_or_none()
    if numba is None:
        return None

    @numba.njit(cache=True, error_model="numpy")
    def forward(x, anchors, alpha, low, high, damping, fa, fb, f, delta, a, b):  # pragma: no cover - compiled
        for r in range(x.shape[0]):
            for k in range(x.shape[1]):
                unit = anchors[k] * alpha
                v = anchors[k] + unit * x[r, k]
                v = low if v < low else v  # torch.clamp: max(raw, low), then min(., high); NaN kept
                v = high if v > high else v
                d = damping[r, k] * v
                f[r, k], delta[r, k], a[r, k], b[r, k] = v, d, fa[r, k] * d, fb[r, k] * d * d

    @numba.njit(cache=True, error_model="numpy")
    def backward(x, anchors, alpha, low, high, damping, fa, fb, delta, gf, gd, ga, gb, out):  # pragma: no cover
        zero = out.dtype.type(0)
        two = out.dtype.type(2)
        for r in range(x.shape[0]):
            for k in range(x.shape[1]):
                unit = anchors[k] * alpha
                raw = anchors[k] + unit * x[r, k]
                g = gd[r, k] + fa[r, k] * ga[r, k]
                g = g + ((two * fb[r, k]) * delta[r, k]) * gb[r, k]
                g = damping[r, k] * g + gf[r, k]
                out[r, k] = g * unit if raw >= low and raw <= high else zero

    return forward, backward


def compiled_tuning(*tensors: Tensor):
    """(forward, backward) kernels if they apply to ``tensors`` (the map's tensor arguments), else None."""
    if not cpu_float_tensors(*tensors):
        return None
    return _kernels()


def _arrays(shape, tensors):
    """numpy views (copies only where a tensor must be broadcast or made contiguous)."""
    return [(t if t.shape == shape and t.is_contiguous() else t.expand(shape).contiguous()).detach().numpy()
            for t in tensors]


def tuning_forward(kernels, detuning: Tensor, anchors: Tensor, alpha: float, low: Tensor, high: Tensor,
                   damping: Tensor, factor_a: Tensor, factor_b: Tensor) -> list[Tensor]:
    """[f, Delta, A, B] (rows, K) (module docstring)."""
    shape = detuning.shape
    out = [detuning.new_empty(shape) for _ in range(4)]
    scalar = detuning.detach().numpy().dtype.type
    kernels[0](*_arrays(shape, (detuning,)), anchors.detach().contiguous().numpy(), scalar(alpha),
               scalar(float(low)), scalar(float(high)), *_arrays(shape, (damping, factor_a, factor_b)),
               *(t.numpy() for t in out))
    return out


def tuning_backward(kernels, detuning: Tensor, anchors: Tensor, alpha: float, low: Tensor, high: Tensor,
                    damping: Tensor, factor_a: Tensor, factor_b: Tensor, delta: Tensor,
                    grads: list[Tensor | None]) -> Tensor:
    """dL/dx (rows, K) from dL/d(f, Delta, A, B) (None: that output does not reach the loss)."""
    shape = detuning.shape
    out = detuning.new_empty(shape)
    zeros = None
    filled = []
    for g in grads:
        if g is None:
            zeros = detuning.new_zeros(shape) if zeros is None else zeros
            g = zeros
        filled.append(g)
    scalar = out.numpy().dtype.type
    kernels[1](*_arrays(shape, (detuning,)), anchors.detach().contiguous().numpy(), scalar(alpha),
               scalar(float(low)), scalar(float(high)), *_arrays(shape, (damping, factor_a, factor_b, delta)),
               *_arrays(shape, filled), out.numpy())
    return out
