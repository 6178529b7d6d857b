"""Frequency plans: where the tones of a layer's inputs sit on the RF line.

Linear: f_k = f_min + k (f_max - f_min)/(N - 1).
Geometric: f_k = f_min r^k, r = (f_max/f_min)^(1/(N-1)); since the half linewidth alpha f grows
with f, a geometric plan keeps spacing / linewidth constant (Ross et al. 2023; DESIGN.md 1.2).
All frequencies in Hz.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..errors import RfspinError

__all__ = ["linear_plan", "geometric_plan", "frequency_plan", "PLAN_KINDS"]

PLAN_KINDS = ("linear", "geometric")


def _check(n: int, f_min: float, f_max: float) -> None:
    if not isinstance(n, int) or n < 1:
        raise RfspinError(f"number of tones n = {n!r}: must be an integer >= 1")
    if not (math.isfinite(f_min) and math.isfinite(f_max)) or f_min <= 0:
        raise RfspinError(f"frequency band ({f_min!r}, {f_max!r}) Hz: must be finite with f_min > 0")
    if n > 1 and f_max <= f_min:
        raise RfspinError(f"frequency band ({f_min!r}, {f_max!r}) Hz: f_max must exceed f_min")


def linear_plan(n: int, f_min: float, f_max: float, *, dtype=torch.float64) -> Tensor:
    """n tones evenly spaced in [f_min, f_max] Hz."""
    _check(n, f_min, f_max)
    if n == 1:
        return torch.tensor([f_min], dtype=dtype)
    return torch.linspace(f_min, f_max, n, dtype=torch.float64).to(dtype)


def geometric_plan(n: int, f_min: float, f_max: float, *, dtype=torch.float64) -> Tensor:
    """n tones with constant ratio r = (f_max/f_min)^(1/(n-1)) in [f_min, f_max] Hz."""
    _check(n, f_min, f_max)
    if n == 1:
        return torch.tensor([f_min], dtype=dtype)
    k = torch.arange(n, dtype=torch.float64)
    return (f_min * (f_max / f_min) ** (k / (n - 1))).to(dtype)


def frequency_plan(kind: str, n: int, f_min: float, f_max: float, *, dtype=torch.float64) -> Tensor:
    """Dispatch on ``kind`` in PLAN_KINDS."""
    if kind == "linear":
        return linear_plan(n, f_min, f_max, dtype=dtype)
    if kind == "geometric":
        return geometric_plan(n, f_min, f_max, dtype=dtype)
    raise RfspinError(f"frequency plan kind = {kind!r}: must be one of {PLAN_KINDS}")
