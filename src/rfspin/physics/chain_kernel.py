"""Fused, chunked evaluation of resonator-chain weights with the analytic derivative.

Computes exactly the same quantity as :func:`rfspin.physics.resonator.chain_weights_direct`
(every resonator sees every tone: exact crosstalk),

    W_ri = sum_k (A_rk d_rki + B_rk) / (d_rki^2 + Delta_rk^2),   d_rki = u_ri - v_rk

for rows r (chains, possibly of several chip instances), resonators k and tones i, with u the
tone frequencies [Hz], v the resonance frequencies [Hz], Delta the half linewidths [Hz] and
(A, B) the lineshape coefficients of :func:`rfspin.physics.resonator.lineshape_coefficients`.

Instead of materialising the rows x resonators x tones tensor for autograd, the forward pass
walks over blocks of rows and keeps only W; the backward pass recomputes each block and applies
the closed-form derivatives

    dW/dA = d / D,   dW/dB = 1 / D,   dW/dDelta = -2 Delta G / D,
    dW/dv = -(A - 2 d G) / D,   dW/du = (A - 2 d G) / D,     G = (A d + B) / D, D = d^2 + Delta^2,

so peak memory is one block, whatever the size of the layer. On the CPU with numba (and no
gradient for the tones) the same sums run compiled, one pass each way
(:func:`rfspin.physics.chain_kernel_numba.all_pairs`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import RfspinError
from .chain_kernel_fast import FarFieldPlan, far_field_plan, fast_chain_weights
from .chain_kernel_numba import all_pairs, compiled

__all__ = ["DEFAULT_BLOCK_ELEMENTS", "KERNEL_METHODS", "chain_weights", "check_kernel_method"]

#: ``exact``: the fused kernel above; ``fast``: near field exact + far-field series with a proven
#: error bound (:mod:`rfspin.physics.chain_kernel_fast`); ``auto``: fast where its bound holds
#: and it is expected to be faster, exact otherwise.
KERNEL_METHODS = ("auto", "fast", "exact")


def check_kernel_method(method: str) -> str:
    """``method`` if it is one of KERNEL_METHODS, else RfspinError."""
    if method not in KERNEL_METHODS:
        raise RfspinError(f"kernel method = {method!r}: must be one of {KERNEL_METHODS}")
    return method

#: Elements (rows x resonators x tones) per block: small enough to stay in cache-sized
#: temporaries, large enough that per-op overhead is negligible.
DEFAULT_BLOCK_ELEMENTS = 1 << 18


def _rows_per_block(n_res: int, n_tones: int, block_elements: int) -> int:
    return max(1, block_elements // max(1, n_res * n_tones))


class _Workspace:
    """Block-sized scratch tensors, allocated once per call and reused by every block.

    Reusing them (``out=`` and in-place ops) keeps the work in cache and avoids a fresh
    allocation - often a page-faulting mmap - for every elementwise op of every block.
    """

    def __init__(self, like: Tensor, rows: int, n_res: int, n_tones: int, count: int) -> None:
        self._bufs = [like.new_empty(rows, n_res, n_tones) for _ in range(count)]

    def take(self, rows: int) -> list[Tensor]:
        return [b[:rows] for b in self._bufs]


def _block_terms(u: Tensor, v: Tensor, delta: Tensor, d: Tensor, denom: Tensor) -> None:
    """d = u - v and D = d^2 + Delta^2 for one block, written into ``d`` and ``denom``."""
    torch.sub(u.unsqueeze(1), v.unsqueeze(2), out=d)  # (r, K, I)
    torch.addcmul((delta * delta).unsqueeze(2), d, d, out=denom)


def _tones(u: Tensor, s: int, e: int, n_tones: int) -> Tensor:
    return u[s:e] if u.dim() == 2 else u.expand(e - s, n_tones)


class _ChainWeights(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u, v, delta, a, b, block_elements):
        rows, n_res = v.shape
        n_tones = u.shape[-1]
        step = min(rows, _rows_per_block(n_res, n_tones, block_elements))
        out = v.new_empty(rows, n_tones)
        work = _Workspace(v, step, n_res, n_tones, 3)
        for s in range(0, rows, step):
            e = min(rows, s + step)
            d, denom, num = work.take(e - s)
            _block_terms(_tones(u, s, e, n_tones), v[s:e], delta[s:e], d, denom)
            torch.addcmul(b[s:e].unsqueeze(2), d, a[s:e].unsqueeze(2), out=num)
            torch.sum(num.div_(denom), 1, out=out[s:e])
        ctx.save_for_backward(u, v, delta, a, b)
        ctx.block_elements = block_elements
        return out

    @staticmethod
    def backward(ctx, grad_out):
        u, v, delta, a, b = ctx.saved_tensors
        rows, n_res = v.shape
        n_tones = u.shape[-1]
        step = min(rows, _rows_per_block(n_res, n_tones, ctx.block_elements))
        need_u, need_v, need_delta, need_a, need_b = ctx.needs_input_grad[:5]
        grad_v = torch.zeros_like(v) if need_v else None
        grad_delta = torch.zeros_like(delta) if need_delta else None
        grad_a = torch.zeros_like(a) if need_a else None
        grad_b = torch.zeros_like(b) if need_b else None
        grad_u = torch.zeros_like(u) if need_u else None
        grad_out = grad_out.contiguous()
        work = _Workspace(v, step, n_res, n_tones, 5)
        for s in range(0, rows, step):
            e = min(rows, s + step)
            d, inv, q, g_lin, tmp = work.take(e - s)
            ab, bb = a[s:e].unsqueeze(2), b[s:e].unsqueeze(2)
            _block_terms(_tones(u, s, e, n_tones), v[s:e], delta[s:e], d, inv)
            inv.reciprocal_()
            torch.mul(grad_out[s:e].unsqueeze(1), inv, out=q)  # q = g / D
            s1 = q.sum(2)
            if need_b:
                grad_b[s:e] = s1
            torch.addcmul(bb, d, ab, out=g_lin).mul_(inv)  # G, per resonator
            if need_delta:
                grad_delta[s:e] = -2.0 * delta[s:e] * torch.mul(q, g_lin, out=tmp).sum(2)
            qd = torch.mul(q, d, out=tmp)
            if need_a:
                grad_a[s:e] = qd.sum(2)
            if need_v or need_u:
                qdg = qd.mul_(g_lin)  # q d G
                if need_v:  # -(A S1 - 2 sum q d G), without forming q (A - 2 d G)
                    grad_v[s:e] = 2.0 * qdg.sum(2) - a[s:e] * s1
                if need_u:
                    dw_dd = qdg.mul_(-2.0).addcmul_(q, ab)  # q (A - 2 d G)
                    if u.dim() == 2:
                        grad_u[s:e] = dw_dd.sum(1)
                    else:
                        grad_u += dw_dd.sum((0, 1))
        return grad_u, grad_v, grad_delta, grad_a, grad_b, None


def chain_weights(
    tone_frequencies: Tensor,
    resonance_frequencies: Tensor,
    half_linewidths: Tensor,
    coeff_a: Tensor,
    coeff_b: Tensor,
    *,
    block_elements: int = DEFAULT_BLOCK_ELEMENTS,
    method: str = "auto",
    anchors: Tensor | None = None,
    plan: FarFieldPlan | None = None,
    rtol: float = 5e-6,
) -> Tensor:
    """Weights W (..., J, I) [V/W] of chains of resonators, exact crosstalk, O(block) memory.

    Args:
        tone_frequencies: (I,) shared by all chains, or (..., I) one set per leading index
            (e.g. per chip instance) [Hz].
        resonance_frequencies: (..., J, K) [Hz].
        half_linewidths, coeff_a, coeff_b: (..., J, K), from
            :func:`rfspin.physics.resonator.lineshape_coefficients` (head-to-tail signs folded in).
        block_elements: elements per block of the rows x K x I work (exact kernel).
        method: ``"auto"`` | ``"fast"`` | ``"exact"`` (KERNEL_METHODS). The fast kernel needs the
            anchors (``anchors`` (K,) [Hz] or a ``plan`` from
            :func:`rfspin.physics.chain_kernel_fast.far_field_plan`); without them every method
            is exact. Its result satisfies max|W - W_exact| <= rtol * max|W_exact| (proven bound,
            checked per call; resonators outside the bound's validity are evaluated exactly).
        rtol: error bound of the fast kernel relative to max|W|.
    """
    if block_elements < 1:
        raise RfspinError(f"block_elements = {block_elements!r}: must be >= 1")
    check_kernel_method(method)
    if not (0 < rtol < 1):
        raise RfspinError(f"rtol = {rtol!r}: must be in (0, 1)")
    lead = resonance_frequencies.shape[:-2]
    n_chains, n_res = resonance_frequencies.shape[-2:]
    v = resonance_frequencies.reshape(-1, n_res)
    delta, a, b = (
        t.expand_as(resonance_frequencies).reshape(-1, n_res)
        for t in (half_linewidths, coeff_a, coeff_b)
    )
    u = tone_frequencies
    if u.dim() > 1:
        u = u.expand(*lead, u.shape[-1]).unsqueeze(-2).expand(*lead, n_chains, u.shape[-1])
        u = u.reshape(-1, u.shape[-1])
    out = None
    if method != "exact" and (plan is not None or anchors is not None):
        out = _fast(tone_frequencies, v, delta, a, b, n_chains, lead, anchors, plan, rtol, method == "auto")
    kernels = None if out is not None or u.requires_grad else compiled(u, v, delta, a, b,
                                                                            work=v.numel() * u.shape[-1])
    if kernels is not None:  # numba on the CPU: one compiled pass each way
        out = all_pairs(kernels, u, v, delta, a, b)
    elif out is None:
        out = _ChainWeights.apply(u, v, delta, a, b, block_elements)
    return out.reshape(*lead, n_chains, tone_frequencies.shape[-1])


def _fast(tones, v, delta, a, b, n_chains, lead, anchors, plan, rtol, auto):
    if tones.dim() > 1:
        n_groups = 1
        for n in lead:
            n_groups *= n
        tones = tones.expand(*lead, tones.shape[-1]).reshape(n_groups, tones.shape[-1])
        per_group = n_chains
    else:
        per_group = 1
    if plan is None or plan.anchors.shape[0] != v.shape[1] or (
        tones.dim() == 1 and plan.tones is not tones and not torch.equal(plan.tones, tones)
    ):
        if anchors is None or anchors.shape != v.shape[1:]:
            return None
        reference = tones if tones.dim() == 1 else tones[0]
        damping = float((delta / v).median())
        plan = far_field_plan(reference, anchors.to(reference), damping)
    return fast_chain_weights(tones, v, delta, a, b, plan, per_group=per_group, rtol=rtol, auto=auto)
