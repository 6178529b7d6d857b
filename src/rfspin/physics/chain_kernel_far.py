"""Far field of the fast chain kernel: W_far = sum_n M_n @ T_n as one GEMM, closed-form backward.

Part of :mod:`rfspin.physics.chain_kernel_fast` (equations and error bound there): for rows r
(chains) and resonators k with the dimensionless pole zeta_rk = (v_rk - a_k + i Delta_rk) / R_k
(resonance v [Hz], half linewidth Delta [Hz], anchor a_k [Hz], near radius R_k [Hz]) the
coefficients

    M_n[r, k] = Re(2 c_rk zeta_rk^n) = A_rk Re(zeta^n) + (B_rk / Delta_rk) Im(zeta^n)

multiply the cached T_n[k, i] = tau_ki^(-(n+1)) / R_k [1/Hz], W_far = sum_n M_n T_n [V/W].
The powers come from :mod:`rfspin.physics.chain_kernel_numba` (numba, one pass) or from the
polar form in torch.

Term choice in the call: with ``refine``, the first n0 terms are multiplied first, ``refine``
picks N from that partial result (a lower bound of max|W_exact|), and only terms n0..N-1 are
added: the same multiply-adds as one GEMM over N terms, with N chosen from this call's W.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .chain_kernel_numba import compiled, far_coefficient_grads, far_coefficients

__all__ = ["far_field"]

#: Rows x (N K) elements of the coefficient matrix per block (bounds temporary memory).
BLOCK_ELEMENTS = 1 << 22


def _pole_powers(v, delta, anchors, radius, n_terms, imaginary=True):
    """(Re zeta^n, Im zeta^n or None), each (rows, n_terms, K), zeta = (v - a + i Delta) / R.

    Polar form |zeta|^n (cos n theta, sin n theta): a few vectorised real passes.
    """
    x, y = (v - anchors) / radius, delta / radius
    n = torch.arange(n_terms, dtype=v.dtype, device=v.device).view(1, -1, 1)
    angle = torch.atan2(y, x).unsqueeze(1) * n
    modulus = torch.exp(0.5 * torch.log(x * x + y * y).unsqueeze(1) * n)
    re = torch.cos(angle).mul_(modulus)
    return re, (torch.sin(angle).mul_(modulus) if imaginary else None)


def rows_per_block(n_cols: int, per_group: int) -> int:
    """Rows of one block of the coefficient matrix with ``n_cols`` columns, whole groups."""
    rows = max(1, BLOCK_ELEMENTS // max(1, n_cols))
    return max(per_group, rows - rows % per_group)


def _gemm(coeff: Tensor, stack: Tensor, per_group: int) -> Tensor:
    """coeff (rows, NK) @ stack: shared (NK, I), or per group (G, NK, I) with per_group rows each."""
    if stack.dim() == 2:
        return coeff @ stack
    g = stack.shape[0]
    return torch.bmm(coeff.view(g, per_group, -1), stack).view(g * per_group, -1)


def _refined(coeff: Tensor, flat: Tensor, refine) -> tuple[Tensor, int]:
    """(W_far, N): the first n0 = N_max // 2 terms, then terms n0..N-1, N = refine(W_far(n0), n0)."""
    rows, n_max, n_res = coeff.shape
    c = coeff.view(rows, -1)
    n0 = max(1, n_max // 2)
    w = c[:, :n0 * n_res] @ flat[:n0 * n_res]
    n = max(n0, min(n_max, refine(w, n0)))
    if n > n0:
        w.addmm_(c[:, n0 * n_res:n * n_res], flat[n0 * n_res:n * n_res])
    return w, n


class _FarField(torch.autograd.Function):
    """W_far = M(v, Delta, A, B) @ T with closed-form dM (see module docstring).

    With zeta' = 1/R, d zeta/d Delta = i/R:
    dM_n/dv = n (A Re + B/Delta Im)(zeta^(n-1)) / R, dM_n/dDelta = n (B/Delta Re - A Im)(zeta^(n-1)) / R
    - B/Delta^2 Im(zeta^n), dM_n/dA = Re(zeta^n), dM_n/dB = Im(zeta^n) / Delta.
    """

    @staticmethod
    def forward(ctx, v, delta, a, b, anchors, radius, stack_fn, per_group, refine):
        rows = v.shape[0]
        ctx.kernels = kernels = compiled(v, delta, a, b, anchors, radius)  # None: the torch passes below
        symmetric = kernels is None and bool(b.any())  # B = 0 (antisymmetric lineshapes): no Im part needed
        out = None
        ctx.powers, ctx.n_terms = None, None
        blocks = list(stack_fn(rows)) if stack_fn.shared else stack_fn(rows)
        single = stack_fn.shared and len(blocks) == 1  # one block: keep zeta^n for the backward pass
        for s, e, stack in blocks:
            n_terms = stack.shape[-3]
            if kernels is not None:
                coeff = far_coefficients(kernels, v[s:e], delta[s:e], a[s:e], b[s:e], anchors, radius, n_terms)
            else:
                re, im = _pole_powers(v[s:e], delta[s:e], anchors, radius, n_terms, symmetric or single)
                if single:
                    ctx.powers = (re.clone(), im)
                coeff = re.mul_(a[s:e].unsqueeze(1))
                if symmetric:
                    coeff.addcmul_(im, (b[s:e] / delta[s:e]).unsqueeze(1))
            flat = stack.reshape(*stack.shape[:-3], -1, stack.shape[-1])
            if single and refine is not None:
                w, ctx.n_terms = _refined(coeff, flat, refine)
            else:
                w = _gemm(coeff.reshape(e - s, -1), flat, per_group)
            if e - s == rows:  # one block: its result is W
                out = w
                break
            if out is None:
                out = w.new_empty(rows, w.shape[-1])
            out[s:e] = w
        ctx.save_for_backward(v, delta, a, b)
        ctx.anchors, ctx.radius, ctx.stack_fn, ctx.per_group = anchors, radius, stack_fn, per_group
        return out

    @staticmethod
    def backward(ctx, grad_out):
        v, delta, a, b = ctx.saved_tensors
        anchors, radius = ctx.anchors, ctx.radius
        grads = [torch.empty_like(v) for _ in range(4)]
        for s, e, stack in ctx.stack_fn(v.shape[0]):
            if ctx.n_terms is not None:
                stack = stack[:ctx.n_terms]
            n_terms = stack.shape[-3]
            flat = stack.reshape(*stack.shape[:-3], -1, stack.shape[-1])
            g = grad_out[s:e]
            if flat.dim() == 2:
                g_coeff = g @ flat.T
            else:
                grp = flat.shape[0]
                g_coeff = torch.bmm(g.reshape(grp, ctx.per_group, -1), flat.transpose(1, 2)).reshape(e - s, -1)
            g_coeff = g_coeff.view(e - s, n_terms, -1)
            if ctx.kernels is not None:
                parts = far_coefficient_grads(ctx.kernels, g_coeff, v[s:e], delta[s:e], a[s:e], b[s:e], anchors,
                                              radius)
                if e - s == v.shape[0]:
                    grads = parts
                    break
                for grad, part in zip(grads, parts):
                    grad[s:e] = part
                continue
            if ctx.powers is not None:
                re, im = (p[:, :n_terms] for p in ctx.powers)
            else:
                re, im = _pole_powers(v[s:e], delta[s:e], anchors, radius, n_terms)
            sum_re, sum_im = (g_coeff * re).sum(1), (g_coeff * im).sum(1)  # sum_n gM_n zeta^n
            n = torch.arange(1, n_terms, dtype=v.dtype, device=v.device).view(1, -1, 1)
            g_shift = g_coeff[:, 1:] * n
            d_re = (g_shift * re[:, :-1]).sum(1) / radius  # sum_n gM_n n zeta^(n-1) / R
            d_im = (g_shift * im[:, :-1]).sum(1) / radius
            aa, bb, dd = a[s:e], b[s:e], delta[s:e]
            bp = bb / dd
            grads[0][s:e] = aa * d_re + bp * d_im
            grads[1][s:e] = bp * d_re - aa * d_im - bp / dd * sum_im
            grads[2][s:e] = sum_re
            grads[3][s:e] = sum_im / dd
        return (*grads, None, None, None, None, None)


def far_field(v: Tensor, delta: Tensor, a: Tensor, b: Tensor, anchors: Tensor, radius: Tensor, stack_fn,
              per_group: int, refine=None) -> Tensor:
    """W_far (rows, I) [V/W]. ``stack_fn(rows)`` yields (start, end, T stack (N, K, I) or per group
    (G, N, K, I)) row blocks and has ``shared``; ``refine(W_far(n0), n0) -> N`` in [n0, N_max]
    (optional; used for one shared block) chooses the number of terms from the first n0."""
    return _FarField.apply(v, delta, a, b, anchors, radius, stack_fn, per_group, refine)
