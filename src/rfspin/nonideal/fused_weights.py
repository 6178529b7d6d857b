"""Fused, gradient-free CPU evaluation of resonator-chain weights for Monte-Carlo over chip instances.

Computes the same exact-crosstalk weights as :func:`rfspin.physics.chain_kernel.chain_weights`
(Ross et al., Nat. Nanotechnol. 18, 1273 (2023), rectified voltage of a chain of spin diodes)

    W_ri = sum_k (A_rk d_rki + B_rk) / (d_rki^2 + Delta_rk^2),   d_rki = u_gi - v_rk      [V/W]

for rows r (chains of C chip instances), resonators k and tones i (u [Hz]: the tones of the
row's group g, e.g. its chip; v [Hz]: resonance frequencies; Delta [Hz]: half linewidths; A, B:
lineshape coefficients of :func:`rfspin.physics.resonator.lineshape_coefficients`).

Every chip has its own resonance frequencies, so Monte-Carlo rebuilds every chip's weights:
that build is most of its time. Here all rows go through the compiled exact lineshape pass of
:mod:`rfspin.physics.chain_kernel_numba` (one pass per row, rows split over the kernel threads),
without autograd, instead of the blocked tensor kernel's five passes over a (rows, K, I) block.
It is used only where it applies: CPU tensors in one float dtype, no gradient needed, numba
present. :func:`fused_chain_weights` returns None elsewhere, and callers use the tensor kernel.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..physics.chain_kernel_numba import all_pairs_values, compiled
from ..physics.numba_support import numba_or_none

__all__ = ["fused_weights_available", "fused_chain_weights"]


def fused_weights_available() -> bool:
    """True when numba is importable (the fused kernel can run)."""
    return numba_or_none() is not None


def fused_chain_weights(tone_frequencies: Tensor, resonance_frequencies: Tensor, half_linewidths: Tensor,
                        coeff_a: Tensor, coeff_b: Tensor) -> Tensor | None:
    """W (..., J, I) [V/W] as :func:`~rfspin.physics.chain_kernel.chain_weights`, or None where the
    fused kernel does not apply (numba missing, a tensor off the CPU, gradients needed, not float).

    ``tone_frequencies``: (I,) or (..., I) one set per leading index [Hz]; the others (..., J, K).
    """
    dtype = resonance_frequencies.dtype
    tensors = (tone_frequencies.to(dtype), resonance_frequencies, half_linewidths, coeff_a, coeff_b)
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return None
    kernels = compiled(*tensors)
    if kernels is None:
        return None
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
    return all_pairs_values(kernels, u, v, delta, a, b, per_group).reshape(*lead, n_chains, n_tones)
