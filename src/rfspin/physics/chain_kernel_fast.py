"""Exact-crosstalk chain weights at BLAS speed: near field exactly, far field by a series.

Same quantity as :func:`rfspin.physics.chain_kernel.chain_weights` (every resonator sees every
tone), for chains of resonators anchored near known frequencies a_k [Hz]:

    W_ri = sum_k G_rk(u_i),   G_rk(u) = (A_rk d + B_rk) / (d^2 + Delta_rk^2),   d = u - v_rk

Partial fractions with the complex pole z_rk = (v_rk - a_k) + i Delta_rk (relative to the
anchor) and t_ki = u_i - a_k (tone relative to the anchor):

    G_rk(u_i) = Re[ 2 c_rk / (t_ki - z_rk) ],   2 c = A - i B / Delta.

Each anchor k has a near radius R_k = H * h_k (h_k = the nominal half linewidth alpha a_k, H
= ``near_radius`` linewidths). Tone/anchor pairs with |t_ki| < R_k (the near field) are
evaluated exactly. For the others (the far field) the geometric series in the dimensionless
pole zeta = z / R_k and tone tau = t / R_k,

    1 / (t - z) = (1 / R_k) sum_{n>=0} zeta^n tau^(-(n+1))        (|zeta| < |tau|),

truncated after N terms, makes the far field a sum of N matrix products, computed as ONE GEMM:

    W_far = sum_n M_n @ T_n,   M_n[r,k] = Re(2 c_rk zeta_rk^n),   T_n[k,i] = tau_ki^(-(n+1)) / R_k

(T depends only on the tones and anchors and is cached in the :class:`FarFieldPlan`).

Error bound (proved in two lines): the remainder of the geometric series is exactly
zeta^N / (tau^N (tau - zeta)), so each far term is off by at most
2 |c| |zeta|^N / (R |tau|^N (|tau| - |zeta|)). With rho_k = max_r |zeta_rk| / min_i |tau_ki| <
1 (per anchor, over its far tones), |tau| - |zeta| >= |tau| (1 - rho_k), hence for every row

    |W_fast_ri - W_ri| <= E_i(N) = sum_k C_k Z_k^N |T_N[k,i]| / (1 - rho_k) + flush,

C_k = max_r 2|c_rk|, Z_k = max_r |zeta_rk|, |T_N[k,i]| = |tau_ki|^(-(N+1)) / R_k. Entries of T
below FLUSH = 1e-20 (dimensionless) are set to zero (no denormals); that adds at most
FLUSH * N * sum_k C_k / R_k, included in the bound. Each call keeps max_i E_i(N) <= rtol * L,
L <= max|W_exact| a lower bound from the call itself: N_max from a cheap scale, then the first
N_max / 2 terms give L = max|W(N_max / 2)| - E(N_max / 2) and N is the smallest with
E(N) <= rtol L (:mod:`rfspin.physics.chain_kernel_far`); checked after the fact against the
computed W (max|W_exact| >= max|W_fast| - E too), with more terms if needed.

Validity and fallback: a resonator with |zeta_rk| > rho_max * min_i |tau_ki| (it has moved more
than rho_max of the way to its nearest far tone, e.g. clamped at a band edge) is taken out of
the series and evaluated exactly against every tone. If no N <= MAX_TERMS meets the bound,
the whole call is exact. Backward passes are closed-form (:class:`torch.autograd.Function`);
the gradients are the exact derivatives of the series (of the exact kernel where exact).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..errors import RfspinError
from .chain_kernel_far import far_field, rows_per_block
from .chain_kernel_near import near_field
from .chain_kernel_numba import bound_sums, compiled, far_stats

__all__ = ["FLUSH", "MAX_TERMS", "FarFieldPlan", "far_field_plan", "fast_chain_weights"]

#: Dimensionless entries of T below this are flushed to zero (avoids denormals in the GEMM).
FLUSH = 1e-20
#: Largest number of series terms tried before a call falls back to the exact kernel.
MAX_TERMS = 40

@dataclass
class FarFieldPlan:
    """What the fast kernel needs that depends only on the tones and the anchors.

    Fields: ``tones`` (I,) [Hz], ``anchors`` (K,) [Hz], ``radius`` R_k (K,) [Hz],
    ``near_k``/``near_i`` (P,) the near pairs, ``inv_tau`` (K, I) 1/tau (0 on near pairs),
    ``min_tau`` (K,) smallest far |tau| per anchor (inf if none), ``powers`` cached T stacks.
    """

    tones: Tensor
    anchors: Tensor
    radius: Tensor
    near_k: Tensor
    near_i: Tensor
    inv_tau: Tensor
    min_tau: Tensor
    near_radius: float
    band: tuple | None = None  # segments (k0, k1, c0, w): near tones of k0 <= k < k1 are k + c0 + [-w, w]
    powers: dict = field(default_factory=dict)  # n_terms -> T (n_terms, K, I) [1/Hz]
    abs_terms: dict = field(default_factory=dict)  # "stack": |T| (n, K, I) [1/Hz], for the bound
    last_terms: int = 8  # diagnostics of the last call: series terms N,
    last_scale: float | None = None  # max|W|,
    last_bound: float | None = None  # proven max|W - W_exact| (None: the call was exact),
    last_irregular: int = 0  # resonators evaluated exactly (outside the series' validity)

    def abs_stack(self, n_terms: int) -> Tensor:
        """|T_n| for n < n_terms, (n_terms, K, I), cached (for the bound)."""
        have = self.abs_terms.get("stack")
        if have is None or have.shape[0] < n_terms:
            self.abs_terms["stack"] = have = self.stack(n_terms).abs()
        return have[:n_terms]

    def stack(self, n_terms: int) -> Tensor:
        """T_n[k, i] = tau^(-(n+1)) / R_k for n < n_terms, flushed, shape (n_terms, K, I)."""
        have = max(self.powers, default=0)
        if have >= n_terms:
            return self.powers[have][:n_terms]
        size = max(n_terms, have + 4)  # grow in steps: the term search asks for one more at a time
        self.powers = {size: inverse_powers(self.inv_tau, self.radius, size)}
        return self.powers[size][:n_terms]


def inverse_powers(inv_tau: Tensor, radius: Tensor, n_terms: int) -> Tensor:
    """(..., n_terms, K, I) stack of inv_tau^(n+1) / R_k, entries below FLUSH / R_k set to 0."""
    out = inv_tau.new_empty(*inv_tau.shape[:-2], n_terms, *inv_tau.shape[-2:])
    p = inv_tau.clone()
    for n in range(n_terms):
        p = torch.where(p.abs() < FLUSH, torch.zeros_like(p), p)
        out[..., n, :, :] = p
        p = p * inv_tau
    return out / radius.unsqueeze(-1)


def far_field_plan(tones: Tensor, anchors: Tensor, damping: float, *, near_radius: float = 6.0) -> FarFieldPlan:
    """Build the plan for tones (I,) and anchors (K,) [Hz] (dtype/device of ``tones``).

    ``damping``: nominal alpha (half linewidth h_k = alpha a_k); ``near_radius``: H, in h_k.
    """
    if not (near_radius > 0 and math.isfinite(near_radius)):
        raise RfspinError(f"near_radius = {near_radius!r}: must be a finite number of linewidths > 0")
    if not (0 < damping < 1):
        raise RfspinError(f"damping = {damping!r}: must be in (0, 1)")
    u = tones.detach().to(torch.float64)
    a = anchors.detach().to(device=u.device, dtype=torch.float64)
    radius = near_radius * damping * a
    tau = (u.unsqueeze(0) - a.unsqueeze(1)) / radius.unsqueeze(1)  # (K, I)
    near = tau.abs() < 1.0
    nearest = (u.unsqueeze(0) - a.unsqueeze(1)).abs().argmin(1)
    shift = nearest - torch.arange(a.numel(), device=u.device)
    band = None
    if bool((shift == shift[0]).all()):  # anchors on the tones: the near field is a band
        band, near = _band_segments(near, nearest, int(shift[0]))
    near_k, near_i = near.nonzero(as_tuple=True)
    inv_tau = torch.where(near, torch.zeros_like(tau), 1.0 / tau)
    min_tau = torch.where(near, torch.full_like(tau, math.inf), tau.abs()).amin(1)
    dtype = tones.dtype
    return FarFieldPlan(
        tones=tones.detach(), anchors=anchors.detach().to(dtype), radius=radius.to(dtype),
        near_k=near_k, near_i=near_i, inv_tau=inv_tau.to(dtype), min_tau=min_tau.to(dtype),
        near_radius=float(near_radius), band=band,
    )


#: Anchor segments of the band near field (linear plans: the band widens with the linewidth).
BAND_SEGMENTS = 3


def _band_segments(near: Tensor, nearest: Tensor, shift: int) -> tuple[tuple, Tensor]:
    """Cover the near pairs by bands over BAND_SEGMENTS runs of anchors; (segments, near mask)."""
    n_res, n_tones = near.shape
    offset = (torch.arange(n_tones, device=near.device).unsqueeze(0) - nearest.unsqueeze(1)).abs()
    need = torch.where(near, offset, torch.zeros_like(offset)).amax(1)  # half width per anchor
    n_seg = BAND_SEGMENTS if n_res >= 16 * BAND_SEGMENTS else 1
    edges = [round(j * n_res / n_seg) for j in range(n_seg + 1)]
    segments = tuple((k0, k1, shift, int(need[k0:k1].max())) for k0, k1 in itertools.pairwise(edges))
    half = torch.cat([torch.full((k1 - k0,), w, device=near.device) for k0, k1, _, w in segments])
    return segments, offset <= half.unsqueeze(1)


def _group_tau(plan: FarFieldPlan, tones: Tensor) -> tuple[Tensor, Tensor]:
    """(inv_tau (G, K, I), min_tau (G, K)) for per-group tones (G, I); near pairs from the plan."""
    tau = (tones.unsqueeze(1) - plan.anchors.unsqueeze(-1)) / plan.radius.unsqueeze(-1)
    near = torch.zeros(plan.inv_tau.shape, dtype=torch.bool, device=tones.device)
    near[plan.near_k, plan.near_i] = True
    inv_tau = torch.where(near, torch.zeros_like(tau), 1.0 / tau)
    min_tau = torch.where(near, torch.full_like(tau, math.inf), tau.abs()).amin(-1)
    return inv_tau, min_tau


def _term_bound(c_max, z_max, rho, abs_t_n, radius, n_terms) -> Tensor:
    """max over tones of E(N) (module docstring); c_max, z_max, rho (G, K); abs_t_n (G|1, K, I)."""
    weight = torch.where(c_max > 0, c_max * z_max.pow(n_terms) / (1.0 - rho), torch.zeros_like(c_max))
    tail = (weight.unsqueeze(-2) @ abs_t_n).amax((-2, -1))
    flush = FLUSH * n_terms * (c_max / radius).sum(-1)
    return (tail + flush).amax()


def fast_chain_weights(
    tones: Tensor, v: Tensor, delta: Tensor, a: Tensor, b: Tensor, plan: FarFieldPlan, *,
    per_group: int, rtol: float = 5e-6, rho_max: float = 0.5, auto: bool = False,
) -> Tensor | None:
    """W (rows, I) for rows of resonators (rows, K); None if ``auto`` judges the exact kernel better.

    ``tones``: the plan's own (I,) (shared by all rows) or (G, I) per group of ``per_group`` rows.
    The returned W meets max|W - W_exact| <= rtol * max|W_exact| (module docstring), or is exact.
    """
    rows, n_res = v.shape
    grouped = tones.dim() == 2
    plan.last_bound = None
    if tones.requires_grad:  # the far field's T is not differentiated in the tones
        return None
    n_groups = tones.shape[0] if grouped else 1
    kernels = compiled(v, delta, a, b) is not None
    if auto and not _fast_pays(rows, n_res, tones.shape[-1], 1, plan, 0, n_groups if grouped else 0, kernels):
        return None  # the exact kernel wins even with a single series term: skip the bound
    with torch.no_grad():
        if grouped:
            inv_tau, min_tau = _group_tau(plan, tones)
        else:
            inv_tau, min_tau = plan.inv_tau.unsqueeze(0), plan.min_tau.unsqueeze(0)
        regular, n_irregular, c_max, z_max = _series_stats(v, delta, a, b, plan, min_tau, rho_max)
        plan.last_irregular = n_irregular
        rho = (z_max / min_tau).nan_to_num(0.0)
        # a quarter of the largest single-resonator peak |c| / Delta: a function of this call's inputs
        # only, so W does not depend on earlier calls (checked against the computed max|W| below)
        scale = float((c_max / plan.radius).amax()) * plan.near_radius / 8
        table = _BoundTable(plan, inv_tau, grouped, c_max, z_max, rho)
        if auto:  # N_max > the most terms for which fast pays <=> E there misses the target: one value decides
            lo, hi = 0, MAX_TERMS  # bisection: the cost grows with N
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _fast_pays(rows, n_res, tones.shape[-1], mid, plan, n_irregular, n_groups if grouped else 0,
                              kernels):
                    lo = mid
                else:
                    hi = mid - 1
            if lo < 1 or (lo < MAX_TERMS and table.value(lo) > rtol * scale):
                return None
        n_terms = table.first(1, MAX_TERMS, rtol * scale, plan.last_terms + 2)
    if n_terms is None or (auto and not _fast_pays(rows, n_res, tones.shape[-1], n_terms, plan, n_irregular,
                                                     n_groups if grouped else 0, kernels)):
        return None
    vr, dr, ar, br = v, delta, a, b
    if n_irregular:  # out of the series: a zero lineshape at the anchor there, evaluated exactly instead
        mask = regular.reshape(rows, n_res)
        vr = torch.where(mask, v, plan.anchors.expand_as(v))
        dr = torch.where(mask, delta, (plan.radius / plan.near_radius).expand_as(delta))
        ar, br = a * mask, b * mask
    near = near_field(tones, vr, dr, ar, br, plan, per_group)
    if n_irregular:
        near = near + _irregular(tones, v, delta, a, b, ~mask, per_group)
    bound = table.bound
    lower, used = 0.0, n_terms  # a proven lower bound of max|W_exact|; the terms the far field used

    def refine(far_n0, n0):  # max|W(n0)| - E(n0) <= max|W_exact|: the fewest terms that meet rtol of it
        nonlocal lower, used
        with torch.no_grad():
            lower = max(lower, float((far_n0 + near).abs().amax()) - bound(n0))
        used = table.first(n0, n_terms - 1, rtol * lower, plan.last_terms) or n_terms
        return used

    for _ in range(3):
        used = n_terms
        far = far_field(vr, dr, ar, br, plan.anchors, plan.radius,
                        _stacks(plan, inv_tau, grouped, n_terms, per_group, n_res), per_group, refine)
        w = far + near
        with torch.no_grad():
            w_max = float(w.abs().amax()) if w.numel() else 0.0
        if bound(used) <= rtol * max(w_max - bound(used), lower):
            plan.last_scale, plan.last_terms, plan.last_bound = w_max, used, bound(used)
            return w
        more = table.first(n_terms + 1, MAX_TERMS, rtol * w_max / (1 + rtol), n_terms + 1)
        if more is None:
            break
        n_terms = more
    return None


def _series_stats(v, delta, a, b, plan, min_tau, rho_max):
    """(regular (G, rows/G, K) or None when all are, n_irregular, C (G, K), Z (G, K)): the resonators
    inside the series' validity (|zeta| <= rho_max min|tau|, Delta > 0) and the maxima of 2|c| and
    |zeta| over them (module docstring). One compiled pass for shared tones with numba."""
    n_groups, n_res = min_tau.shape
    limit = rho_max * min_tau
    kernels = compiled(v, delta, a, b, plan.anchors, plan.radius, limit) if n_groups == 1 else None
    if kernels is not None:
        n_irregular, c_max, z_max = far_stats(kernels, v, delta, a, b, plan.anchors, plan.radius, limit[0])
        if not n_irregular:
            return None, 0, c_max.unsqueeze(0), z_max.unsqueeze(0)
    zeta = torch.hypot((v - plan.anchors) / plan.radius, delta / plan.radius).view(n_groups, -1, n_res)
    regular = (zeta <= limit.unsqueeze(1)) & (delta.view_as(zeta) > 0)
    n_irregular = int((~regular).sum())
    two_c = torch.hypot(a, b / delta).view_as(zeta)
    c_max = torch.where(regular, two_c, torch.zeros_like(two_c)).amax(1)
    z_max = torch.where(regular, zeta, torch.zeros_like(zeta)).amax(1)
    return regular, n_irregular, c_max, z_max


#: Cost model of ``auto``, in units of one exact lineshape evaluation with its backward (the exact
#: kernel's cost per element), measured on one thread (AVX-512) for the torch passes (False) and
#: the compiled ones (True; there the exact kernel, fast-math loops over every pair four at a
#: time, costs ~0.3 ns per element, so the GEMMs, the band and the fixed cost of a fast call weigh
#: more: forward + backward, the drone network's 128 x 256 x 256 layer measured 3.2 ms exact
#: against 5.8 ms fast, MNIST's 300 x 784 x 784 layer 57 ms exact against 71 ms fast (8 terms),
#: and ``auto`` picks exact for both):
#: (one multiply-add of the far-field GEMMs, forward + backward; fixed cost of a fast call, its
#: extra operations and synchronisations; fixed cost per K x I (stats, bound); one near-field band
#: element, with its index work).
COSTS = {False: (0.05, 2e5, 0.0, 1.3), True: (0.14, 6.6e6, 44.0, 3.5)}


def _fast_pays(rows, n_res, n_tones, n_terms, plan, n_irregular, n_groups, compiled_kernels) -> bool:
    """Cost model of ``auto``: is the fast kernel expected to beat the exact one?"""
    gemm, fixed, per_plan, near_cost = COSTS[compiled_kernels]
    band = plan.near_k.numel()
    fast = rows * (gemm * n_terms * n_res * n_tones + near_cost * band) + n_irregular * n_tones
    fast += n_groups * n_terms * n_res * n_tones / 4 + fixed + per_plan * n_res * n_tones  # per-group T stacks
    return fast < rows * n_res * n_tones


class _BoundTable:
    """E(N) of one call (module docstring), computed on demand a few N at a time (one batched
    product with the plan's cached |T| stack; per group for per-group tones)."""

    def __init__(self, plan, inv_tau, grouped, c_max, z_max, rho):
        self.plan, self.inv_tau, self.grouped, self.c_max, self.z_max, self.rho = plan, inv_tau, grouped, c_max, \
            z_max, rho
        self.values: dict[int, float] = {}

    def _compute(self, lo: int, hi: int) -> None:
        plan, c_max = self.plan, self.c_max
        if self.grouped:
            self.values.update({n: float(_term_bound(c_max, self.z_max, self.rho, self.inv_tau.abs().pow(n + 1)
                                                     / plan.radius.unsqueeze(-1), plan.radius, n))
                                for n in range(lo, hi + 1)})
            return
        with torch.no_grad():
            ns = torch.arange(lo, hi + 1, dtype=c_max.dtype, device=c_max.device).unsqueeze(-1)
            weight = torch.where(c_max > 0, c_max * self.z_max.pow(ns) / (1.0 - self.rho), 0.0)  # (N, K)
            kernels = compiled(plan.inv_tau, plan.radius, weight)
            if kernels is not None:  # numba: powers on the fly, one pass over 1/tau
                tail = bound_sums(kernels, plan.inv_tau, plan.radius, weight, lo, FLUSH).amax(-1)
            else:
                tail = torch.bmm(weight.unsqueeze(1), plan.abs_stack(hi + 1)[lo:]).amax((-2, -1))
            values = (tail + FLUSH * ns.squeeze(-1) * (c_max / plan.radius).sum()).tolist()
        self.values.update(zip(range(lo, hi + 1), values))

    def value(self, n: int) -> float:
        """E(n) alone (no window)."""
        if n not in self.values:
            self._compute(n, n)
        return self.values[n]

    def bound(self, n: int) -> float:
        if n not in self.values:  # a window: N for the scale, then N/2 and N for the call's lower bound (refine)
            lo, hi = max(0, n // 2 - 2), min(MAX_TERMS + 1, n + 2)
            while lo in self.values:
                lo += 1
            while hi in self.values:
                hi -= 1
            self._compute(lo, max(lo, hi))
        return self.values[n]

    def first(self, lo: int, hi: int, target: float, guess: int) -> int | None:
        """The smallest N in [lo, hi] with E(N) <= target (E decreases with N), or None."""
        lo = max(1, lo)
        if hi < lo:
            return None
        n = min(max(guess, lo), hi)
        if self.bound(n) <= target:
            while n > lo and self.bound(n - 1) <= target:
                n -= 1
            return n
        return next((m for m in range(n + 1, hi + 1) if self.bound(m) <= target), None)


def _stacks(plan, inv_tau, grouped, n_terms, per_group, n_res):
    """Generator factory over row blocks: (start, end, T stack of that block)."""
    def blocks(rows):
        if not grouped:
            stack = plan.stack(n_terms)
            step = rows_per_block(n_terms * n_res, 1)
            for s in range(0, rows, step):
                yield s, min(rows, s + step), stack
            return
        per = n_terms * n_res * (inv_tau.shape[-1] + per_group)
        groups = max(1, 4 * rows_per_block(per, 1))
        for g0 in range(0, inv_tau.shape[0], groups):
            g1 = min(inv_tau.shape[0], g0 + groups)
            yield g0 * per_group, g1 * per_group, inverse_powers(inv_tau[g0:g1], plan.radius.unsqueeze(0), n_terms)
    blocks.shared = not grouped
    return blocks


def _irregular(tones, v, delta, a, b, irregular, per_group) -> Tensor:
    """Exact contributions (rows, I) of the resonators outside the series' validity."""
    from .chain_kernel import chain_weights

    r, k = irregular.nonzero(as_tuple=True)
    u = tones if tones.dim() == 1 else tones[r // per_group]
    w = chain_weights(u, v[r, k].unsqueeze(-1), delta[r, k].unsqueeze(-1), a[r, k].unsqueeze(-1),
                      b[r, k].unsqueeze(-1), method="exact")
    return w.new_zeros(v.shape[0], w.shape[-1]).index_add(0, r, w)
