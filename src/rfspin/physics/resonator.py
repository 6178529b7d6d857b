"""Spin-diode resonator: rectification of RF power into a DC voltage.

Equation (Leroux et al., Phys. Rev. Applied 15, 034067 (2021); Ross et al., Nat. Nanotechnol.
18, 1273 (2023)):

    V_dc = P * G(f; f_r)
    G(f; f_r) = K * (a_A * 2x + a_S * 2) / (1 + x^2),   x = (f - f_r) / Delta,  Delta = alpha * f_r

Units: f, f_r, Delta in Hz; P in W; K in V/W; G in V/W; V_dc in V.

The antisymmetric part (a_A) is zero at resonance, extremal +-K at x = +-1 and decays as 2K/x;
the symmetric part (a_S) peaks at 2K at resonance. Written with d = f - f_r and D = d^2 + Delta^2:

    G = (A d + B) / D,   A = 2 K a_A Delta,   B = 2 K a_S Delta^2

which is the form the fused chain kernel (:mod:`rfspin.physics.chain_kernel`) differentiates.

A chain of resonators in series, head-to-tail (signs s_k = (-1)^k, starting at +1), rectifies
every tone of a multi-tone input (square-law regime, linear in P):

    V_j = sum_i P_i * W_ji,   W_ji = sum_k s_k G(f_i; f_jk)
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import RfspinError

__all__ = [
    "half_linewidth",
    "lineshape",
    "lineshape_coefficients",
    "lineshape_factors",
    "coefficients_from_factors",
    "tuned_coefficients",
    "tuned_frequency",
    "head_to_tail_signs",
    "chain_weights_direct",
    "rectified_voltage",
]


def half_linewidth(resonance_frequency: Tensor, damping: Tensor | float) -> Tensor:
    """Half width at half maximum Delta = alpha * f_r [Hz]."""
    return damping * resonance_frequency


def lineshape(
    frequency: Tensor,
    resonance_frequency: Tensor,
    sensitivity: Tensor | float,
    damping: Tensor | float,
    antisymmetric_weight: Tensor | float = 1.0,
    symmetric_weight: Tensor | float = 0.0,
) -> Tensor:
    """Rectification gain G(f; f_r) in V/W (broadcasting over all arguments)."""
    delta = half_linewidth(resonance_frequency, damping)
    x = (frequency - resonance_frequency) / delta
    return sensitivity * (2.0 * antisymmetric_weight * x + 2.0 * symmetric_weight) / (1.0 + x * x)


def lineshape_coefficients(
    resonance_frequency: Tensor,
    sensitivity: Tensor | float,
    damping: Tensor | float,
    antisymmetric_weight: Tensor | float = 1.0,
    symmetric_weight: Tensor | float = 0.0,
    sign: Tensor | float = 1.0,
) -> tuple[Tensor, Tensor, Tensor]:
    """(Delta, A, B) of the rational form G = sign * (A d + B) / (d^2 + Delta^2).

    Delta in Hz, A in V/W (times Hz / Hz), B in V/W * Hz. ``sign`` folds the head-to-tail
    orientation of each resonator into A and B.
    """
    factors = lineshape_factors(sensitivity, antisymmetric_weight, symmetric_weight, sign)
    return coefficients_from_factors(resonance_frequency, damping, *factors)


def lineshape_factors(
    sensitivity: Tensor | float,
    antisymmetric_weight: Tensor | float = 1.0,
    symmetric_weight: Tensor | float = 0.0,
    sign: Tensor | float = 1.0,
) -> tuple[Tensor | float, Tensor | float]:
    """(2 s S w_anti, 2 s S w_sym) [V/W]: A = (2 s S w_anti) Delta, B = (2 s S w_sym) Delta^2.

    They do not depend on the resonance frequencies, so a layer can keep them between steps.
    """
    return 2.0 * sign * sensitivity * antisymmetric_weight, 2.0 * sign * sensitivity * symmetric_weight


def coefficients_from_factors(
    resonance_frequency: Tensor, damping: Tensor | float, factor_a: Tensor | float, factor_b: Tensor | float
) -> tuple[Tensor, Tensor, Tensor]:
    """(Delta, A, B) of :func:`lineshape_coefficients` from :func:`lineshape_factors` (same values, bit for bit)."""
    delta = half_linewidth(resonance_frequency, damping)
    return delta, factor_a * delta, factor_b * delta * delta


def tuned_frequency(anchors: Tensor, alpha: float, detuning: Tensor, low: Tensor, high: Tensor) -> Tensor:
    """f = clamp(a (1 + alpha x)) [Hz], computed as clamp(a + (a alpha) x, low, high): anchors a [Hz],
    nominal damping alpha, detuning x in nominal half linewidths, band from low to high [Hz]."""
    return torch.clamp(anchors + (anchors * alpha) * detuning, low, high)


def tuned_coefficients(detuning: Tensor, anchors: Tensor, alpha: float, low: Tensor, high: Tensor,
                       damping: Tensor | float, factor_a: Tensor | float, factor_b: Tensor | float):
    """(f, Delta, A, B) of :func:`tuned_frequency` and :func:`coefficients_from_factors`, same values.

    When only ``detuning`` needs a gradient, its derivative is closed-form (one autograd node):
    dL/dx = a alpha [low <= f_raw <= high] (g_f + damping (g_Delta + f_a g_A + 2 f_b Delta g_B)).
    """
    tensors = [t for t in (anchors, low, high, damping, factor_a, factor_b) if isinstance(t, Tensor)]
    if detuning.requires_grad and not torch.compiler.is_compiling() and not any(t.requires_grad for t in tensors):
        return _TunedCoefficients.apply(detuning, anchors, alpha, low, high, damping, factor_a, factor_b)
    f = tuned_frequency(anchors, alpha, detuning, low, high)
    return (f, *coefficients_from_factors(f, damping, factor_a, factor_b))


def _compiled_tuning(detuning, anchors, low, high, damping, factor_a, factor_b):
    """The compiled tuning map's kernels where they apply (2-D detuning, all tensors), else None."""
    args = (detuning, anchors, low, high, damping, factor_a, factor_b)
    if detuning.dim() != 2 or not all(isinstance(t, Tensor) for t in args):
        return None
    from .tuning_numba import compiled_tuning  # numba on first use

    return compiled_tuning(*args)


class _TunedCoefficients(torch.autograd.Function):
    @staticmethod
    def forward(ctx, detuning, anchors, alpha, low, high, damping, factor_a, factor_b):
        kernels = _compiled_tuning(detuning, anchors, low, high, damping, factor_a, factor_b)
        ctx.constants = (damping, factor_a, factor_b)
        ctx.kernels = kernels
        if kernels is not None:  # one compiled pass instead of a dozen tensor passes, same values
            from .tuning_numba import tuning_forward

            f, delta, a, b = tuning_forward(kernels, detuning, anchors, alpha, low, high, damping, factor_a, factor_b)
            ctx.save_for_backward(detuning, anchors, low, high, delta)
            ctx.alpha = alpha
            return f, delta, a, b
        unit = anchors * alpha
        raw = anchors + unit * detuning
        f = torch.clamp(raw, low, high)
        delta, a, b = coefficients_from_factors(f, damping, factor_a, factor_b)
        inside = (raw >= low).logical_and_(raw <= high)  # clamp's subgradient
        ctx.save_for_backward(unit, inside, delta)
        return f, delta, a, b

    @staticmethod
    def backward(ctx, g_f, g_delta, g_a, g_b):
        damping, factor_a, factor_b = ctx.constants
        if ctx.kernels is not None:
            from .tuning_numba import tuning_backward

            detuning, anchors, low, high, delta = ctx.saved_tensors
            grads = [None if g is None else g.contiguous() for g in (g_f, g_delta, g_a, g_b)]
            g = tuning_backward(ctx.kernels, detuning, anchors, ctx.alpha, low, high, damping, factor_a, factor_b,
                                delta, grads)
            return g, None, None, None, None, None, None, None
        unit, inside, delta = ctx.saved_tensors
        g = g_delta if g_delta is not None else torch.zeros_like(delta)
        if g_a is not None:
            g = g + factor_a * g_a
        if g_b is not None:
            g = g + (2.0 * factor_b) * delta * g_b
        g = damping * g
        if g_f is not None:
            g = g + g_f
        return torch.where(inside, g * unit, 0.0), None, None, None, None, None, None, None


def head_to_tail_signs(n: int, *, dtype: torch.dtype = torch.float32, device=None) -> Tensor:
    """s_k = (-1)^k for k = 0..n-1: consecutive resonators connected head-to-tail."""
    if n < 1:
        raise RfspinError(f"number of resonators n = {n!r}: must be >= 1")
    signs = torch.ones(n, dtype=dtype, device=device)
    signs[1::2] = -1.0
    return signs


def chain_weights_direct(
    tone_frequencies: Tensor,
    resonance_frequencies: Tensor,
    signs: Tensor,
    sensitivity: Tensor | float,
    damping: Tensor | float,
    antisymmetric_weight: Tensor | float = 1.0,
    symmetric_weight: Tensor | float = 0.0,
) -> Tensor:
    """W_ji = sum_k s_k G(f_i; f_jk), the full (..., J, I, K) tensor in one expression [V/W].

    This is the reference implementation (as in the authors' code): exact, simple, and
    memory-bound. ``tone_frequencies``: (..., I) Hz; ``resonance_frequencies``: (..., J, K) Hz;
    per-device parameters broadcast against (..., J, K). Returns (..., J, I).
    """
    f = tone_frequencies.unsqueeze(-2).unsqueeze(-1)  # (..., 1, I, 1)
    fr = resonance_frequencies.unsqueeze(-2)  # (..., J, 1, K)

    def per_device(p):
        return p.unsqueeze(-2) if isinstance(p, Tensor) and p.dim() >= 2 else p

    g = lineshape(
        f,
        fr,
        per_device(sensitivity),
        per_device(damping),
        per_device(antisymmetric_weight),
        per_device(symmetric_weight),
    )
    return (g * per_device(signs)).sum(-1)


def rectified_voltage(tone_powers: Tensor, weights: Tensor, bias: Tensor | float = 0.0) -> Tensor:
    """Chain output voltages V_j = sum_i P_i W_ji + b_j [V].

    ``tone_powers``: (B, I) W; ``weights``: (J, I) V/W, or (C, J, I) for C chip instances with
    powers (C, B, I); ``bias``: (J,) V.
    """
    if tone_powers.dim() == 2 and weights.dim() == 2 and isinstance(bias, Tensor) and bias.dim() == 1:
        return torch.addmm(bias, tone_powers, weights.t())  # one fused op (the common dense case)
    return torch.matmul(tone_powers, weights.transpose(-1, -2)) + bias
