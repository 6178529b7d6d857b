"""Near field of the fast chain kernel: the exact lineshape on tone/anchor pairs close together.

Part of :mod:`rfspin.physics.chain_kernel_fast`: for every row r (chain) and resonator k, the
exact G_rk(u_i) = (A_rk d + B_rk) / (d^2 + Delta_rk^2), d = u_i - v_rk [V/W], summed over the
near pairs (k, i) of the plan. Closed-form derivatives (as in :mod:`rfspin.physics.chain_kernel`):

    dG/dA = d / D,  dG/dB = 1 / D,  dG/dDelta = -2 Delta G / D,  dG/dv = -(A - 2 d G) / D.

When the anchors sit on the tones (anchor k's nearest tone is k + c0 for all k) the near pairs
are a band i = k + c0 + o - w, o = 0..2w (one w per segment of anchors): the band is evaluated
as a dense (rows, K, 2w + 1) block and summed into W by a skewed view (element (k, o) lands in column k + o), with no
scatter. Other anchor sets use the list of pairs (gather and index_add). On the CPU with numba
the band runs compiled instead (:mod:`rfspin.physics.chain_kernel_numba`, one pass each way).
"""

from __future__ import annotations

import torch
from torch import Tensor

from .chain_kernel_numba import compiled, near_band

__all__ = ["near_field"]

#: Rows x K x band elements per block.
BLOCK_ELEMENTS = 1 << 18


def _row_tones(band_tones: Tensor, s: int, e: int, per_group: int) -> Tensor:
    """Tones of the band for rows s..e, (width, rows or 1, K)."""
    if band_tones.dim() == 2:  # (width, K), shared by every row
        return band_tones.unsqueeze(1)
    groups = torch.arange(s, e, device=band_tones.device) // per_group
    return band_tones[:, groups]  # (width, G, K) -> (width, rows, K)


def _block_rows(n_res: int, width: int) -> int:
    return max(1, BLOCK_ELEMENTS // max(1, n_res * width))


def _columns(shift: int, half: int, n_res: int, n_tones: int) -> tuple[int, int, int]:
    """(skewed columns C, first tone, last tone + 1) of the band sum."""
    cols = n_res + 2 * half
    return cols, max(0, shift - half), min(n_tones, cols + shift - half)


class _NearBand(torch.autograd.Function):
    """Band layout (offset o, row r, resonator k): per-resonator values broadcast along o, so every
    elementwise pass runs over contiguous rows of K; block-sized workspaces reused by every block
    (no page-faulting allocation per pass)."""

    @staticmethod
    def forward(ctx, band_tones, v, delta, a, b, shift, half, n_tones, per_group):
        rows, n_res = v.shape
        width = 2 * half + 1
        cols, lo, hi = _columns(shift, half, n_res, n_tones)
        out = v.new_zeros(rows, n_tones)
        step = min(rows, _block_rows(n_res, width))
        d_ws, den_ws, skew_ws = v.new_empty(width, step, n_res), v.new_empty(width, step, n_res), \
            v.new_empty(width * step * cols + width)
        for s in range(0, rows, step):
            e = min(rows, s + step)
            n = e - s
            d, den = d_ws[:, :n], den_ws[:, :n]
            torch.sub(_row_tones(band_tones, s, e, per_group), v[s:e], out=d)
            torch.addcmul(delta[s:e] * delta[s:e], d, d, out=den)
            skew = skew_ws[:width * n * cols].view(width, n, cols)
            skew.zero_()
            lineshape = skew.as_strided((width, n, n_res), (n * cols + 1, cols, 1))
            torch.div(torch.addcmul(b[s:e], a[s:e], d, out=d), den, out=lineshape)
            out[s:e, lo:hi] = skew.sum(0)[:, lo - shift + half:hi - shift + half]
        ctx.save_for_backward(band_tones, v, delta, a, b)
        ctx.shape = (shift, half, n_tones, per_group)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        band_tones, v, delta, a, b = ctx.saved_tensors
        shift, half, n_tones, per_group = ctx.shape
        rows, n_res = v.shape
        width = 2 * half + 1
        cols, lo, hi = _columns(shift, half, n_res, n_tones)
        grads = [torch.empty_like(v) for _ in range(4)]
        step = min(rows, _block_rows(n_res, width))
        work = [v.new_empty(width, step, n_res) for _ in range(4)]
        padded_ws = v.new_zeros(step, cols)
        for s in range(0, rows, step):
            e = min(rows, s + step)
            n = e - s
            d, inv, q, lin = (w[:, :n] for w in work)
            padded = padded_ws[:n]
            padded[:, lo - shift + half:hi - shift + half] = grad_out[s:e, lo:hi]
            g = padded.as_strided((width, n, n_res), (1, cols, 1))
            aa, bb, dd = a[s:e], b[s:e], delta[s:e]
            torch.sub(_row_tones(band_tones, s, e, per_group), v[s:e], out=d)
            torch.addcmul(dd * dd, d, d, out=inv).reciprocal_()
            torch.mul(g, inv, out=q)
            torch.addcmul(bb, aa, d, out=lin).mul_(inv)
            s_q = q.sum(0)
            grads[3][s:e] = s_q
            qd = d.mul_(q)
            grads[2][s:e] = qd.sum(0)
            grads[0][s:e] = 2.0 * qd.mul_(lin).sum(0) - aa * s_q
            grads[1][s:e] = -2.0 * dd * q.mul_(lin).sum(0)
        return None, *grads, None, None, None, None


def near_field(tones: Tensor, v: Tensor, delta: Tensor, a: Tensor, b: Tensor, plan, per_group: int) -> Tensor:
    """Exact sum over the plan's near pairs, W_near (rows, I) [V/W].

    ``tones``: (I,) shared or (G, I) per group of ``per_group`` rows; v, delta, a, b (rows, K).
    """
    n_tones = tones.shape[-1]
    if plan.band is not None:
        width = max(2 * half + 1 for _, _, _, half in plan.band)
        kernels = compiled(tones, v, delta, a, b, work=v.numel() * width)
        if kernels is not None:
            return near_band(kernels, tones, v, delta, a, b, plan.band, per_group)
        out = None
        for k0, k1, shift, half in plan.band:
            idx = torch.arange(-half, half + 1, device=v.device).unsqueeze(1) + (shift + k0) \
                + torch.arange(k1 - k0, device=v.device)
            # (width, K) or (G, width, K); the clamped ends fall outside W's columns
            band_tones = tones[..., idx.clamp(0, n_tones - 1)]
            if band_tones.dim() == 3:
                band_tones = band_tones.transpose(0, 1)  # (width, G, K)
            part = _NearBand.apply(band_tones, *(t[:, k0:k1].contiguous() for t in (v, delta, a, b)),
                                   shift + k0, half, n_tones, per_group)
            out = part if out is None else out + part
        return out
    rows = v.shape[0]
    if tones.dim() == 2:
        u_pairs = tones[:, plan.near_i].T.unsqueeze(-1).expand(-1, -1, per_group).reshape(-1, rows)
    else:
        u_pairs = tones[plan.near_i].unsqueeze(1)
    return _NearPairs.apply(u_pairs, v, delta, a, b, plan.near_k, plan.near_i, n_tones)


class _NearPairs(torch.autograd.Function):
    """Exact lineshape on the near pairs (k_p, i_p), summed into W with index_add."""

    @staticmethod
    def forward(ctx, u_pairs, v, delta, a, b, near_k, near_i, n_tones):
        # transposed layout: pairs x rows, so gathers and index_add move contiguous rows
        vt, dt, at, bt = (t.T[near_k] for t in (v, delta, a, b))
        d = u_pairs - vt
        g = (at * d + bt) / (d * d + dt * dt)
        out = v.new_zeros(n_tones, v.shape[0]).index_add_(0, near_i, g)
        ctx.save_for_backward(u_pairs, v, delta, a, b, near_k, near_i)
        return out.T

    @staticmethod
    def backward(ctx, grad_out):
        u_pairs, v, delta, a, b, near_k, near_i = ctx.saved_tensors
        vt, dt, at, bt = (t.T[near_k] for t in (v, delta, a, b))
        d = u_pairs - vt
        inv = 1.0 / (d * d + dt * dt)
        q = grad_out.T[near_i] * inv  # g / D, pairs x rows
        lin = (at * d + bt) * inv  # G
        qd = q * d
        n_res = v.shape[1]

        def per_resonator(x):
            return x.new_zeros(n_res, x.shape[1]).index_add_(0, near_k, x).T

        dw_dd = q * (at - 2.0 * d * lin)
        grad_v = per_resonator(-dw_dd)
        grad_delta = per_resonator(-2.0 * dt * q * lin)
        grad_a = per_resonator(qd)
        grad_b = per_resonator(q)
        grad_u = None
        if ctx.needs_input_grad[0]:
            grad_u = dw_dd if u_pairs.shape[1] > 1 else dw_dd.sum(1, keepdim=True)
        return grad_u, grad_v, grad_delta, grad_a, grad_b, None, None, None


