"""Fused, gradient-free CPU evaluation of resonator-chain weights for Monte-Carlo over chip instances.

Computes the same exact-crosstalk weights as :func:`rfspin.physics.chain_kernel.chain_weights`
(Ross et al., Nat. Nanotechnol. 18, 1273 (2023), rectified voltage of a chain of spin diodes)

    W_ri = sum_k (A_rk d_rki + B_rk) / (d_rki^2 + Delta_rk^2),   d_rki = u_gi - v_rk      [V/W]

for rows r (chains of C chip instances), resonators k and tones i (u [Hz]: the tones of the
row's group g, e.g. its chip; v [Hz]: resonance frequencies; Delta [Hz]: half linewidths; A, B:
lineshape coefficients of :func:`rfspin.physics.resonator.lineshape_coefficients`).

Every chip has its own resonance frequencies, so Monte-Carlo rebuilds every chip's weights:
that build is most of its time. Here each row is evaluated in one pass with the sum kept in a
row accumulator (one load, one fused multiply-add chain and one division per term), instead of
the blocked tensor kernel's five passes over a (rows, K, I) block. It is compiled with numba
(optional: ``pip install numba``; JIT-compiled once per process and dtype, then cached on disk)
and used only where it applies: CPU tensors, no gradient needed. :func:`fused_chain_weights`
returns None elsewhere, and callers use the tensor kernel.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from ..physics.numba_support import numba_or_none

__all__ = ["fused_weights_available", "fused_chain_weights"]


@functools.lru_cache(maxsize=1)
def _kernel():
    """The compiled row kernel, or None without numba (imported on first use: numba is optional)."""
    numba = numba_or_none()
    if numba is None:
        return None
    import numpy as np

    @numba.njit(parallel=True, cache=True, error_model="numpy")
    def rows(u, v, delta, a, b, rows_per_group, out):  # pragma: no cover - compiled
        n_rows, n_res = v.shape
        n_tones = u.shape[1]
        for r in numba.prange(n_rows):
            tones = u[r // rows_per_group]
            acc = np.zeros(n_tones, dtype=out.dtype)
            for k in range(n_res):
                vk, ak, bk = v[r, k], a[r, k], b[r, k]
                d2 = delta[r, k] * delta[r, k]
                for i in range(n_tones):
                    d = tones[i] - vk
                    acc[i] += (ak * d + bk) / (d * d + d2)
            out[r, :] = acc

    return numba, rows


def fused_weights_available() -> bool:
    """True when numba is importable (the fused kernel can run)."""
    return _kernel() is not None


def fused_chain_weights(tone_frequencies: Tensor, resonance_frequencies: Tensor, half_linewidths: Tensor,
                        coeff_a: Tensor, coeff_b: Tensor) -> Tensor | None:
    """W (..., J, I) [V/W] as :func:`~rfspin.physics.chain_kernel.chain_weights`, or None where the
    fused kernel does not apply (numba missing, a tensor off the CPU, gradients needed, not float).

    ``tone_frequencies``: (I,) or (..., I) one set per leading index [Hz]; the others (..., J, K).
    """
    dtype = resonance_frequencies.dtype
    tensors = (tone_frequencies.to(dtype), resonance_frequencies, half_linewidths, coeff_a, coeff_b)
    compiled = _kernel()
    if (compiled is None or dtype not in (torch.float32, torch.float64)
            or any(t.device.type != "cpu" or t.dtype != dtype for t in tensors)
            or (torch.is_grad_enabled() and any(t.requires_grad for t in tensors))):
        return None
    numba, rows = compiled
    lead = resonance_frequencies.shape[:-2]
    n_chains, n_res = resonance_frequencies.shape[-2:]
    v = resonance_frequencies.reshape(-1, n_res)
    delta, a, b = (t.expand_as(resonance_frequencies).reshape(-1, n_res) for t in tensors[2:])
    tones = tensors[0]
    n_tones = tones.shape[-1]
    if tones.dim() == 1:
        u, per_group = tones.reshape(1, n_tones), v.shape[0]
    else:
        u, per_group = tones.expand(*lead, n_tones).reshape(-1, n_tones), n_chains
    out = torch.empty(v.shape[0], n_tones, dtype=dtype)
    arrays = [t.detach().contiguous().numpy() for t in (u, v, delta, a, b)]
    numba.set_num_threads(max(1, min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS)))
    rows(*arrays, max(1, per_group), out.numpy())
    return out.reshape(*lead, n_chains, n_tones)
