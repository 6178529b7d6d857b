"""Frequency plans: where the tones of a layer's inputs sit on the RF line.

Linear: f_k = f_min + k (f_max - f_min)/(N - 1).
Geometric: f_k = f_min r^k, r = (f_max/f_min)^(1/(N-1)); since the half linewidth alpha f grows
with f, a geometric plan keeps spacing / linewidth constant (Ross et al. 2023; docs/physics.md 1.2).
All frequencies in Hz. :func:`plan_frequencies` dispatches on the plan's name (``frequency_plan`` is
its older name, kept for existing imports of this module).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import RfspinError
from ..validation import check_number

__all__ = ["linear_plan", "geometric_plan", "plan_frequencies", "PLAN_KINDS", "MAX_TONES"]

PLAN_KINDS = ("linear", "geometric")
#: Largest number of tones a plan makes (a guard against typos such as 1e9 tones).
MAX_TONES = 10_000_000


def _check(n: int, f_min: float, f_max: float) -> tuple[int, float, float]:
    n = check_number(n, "number of tones n", integer=True, ge=1, le=MAX_TONES)
    f_min = check_number(f_min, "frequency band f_min [Hz]", gt=0)
    f_max = check_number(f_max, "frequency band f_max [Hz]", gt=0)
    if n > 1 and f_max <= f_min:
        raise RfspinError(f"frequency band ({f_min!r}, {f_max!r}) Hz: f_max must exceed f_min")
    return n, f_min, f_max


def linear_plan(n: int, f_min: float, f_max: float, *, dtype=torch.float64) -> Tensor:
    """n tones evenly spaced in [f_min, f_max] Hz."""
    n, f_min, f_max = _check(n, f_min, f_max)
    if n == 1:
        return torch.tensor([f_min], dtype=dtype)
    return torch.linspace(f_min, f_max, n, dtype=torch.float64).to(dtype)


def geometric_plan(n: int, f_min: float, f_max: float, *, dtype=torch.float64) -> Tensor:
    """n tones with constant ratio r = (f_max/f_min)^(1/(n-1)) in [f_min, f_max] Hz."""
    n, f_min, f_max = _check(n, f_min, f_max)
    if n == 1:
        return torch.tensor([f_min], dtype=dtype)
    k = torch.arange(n, dtype=torch.float64)
    return (f_min * (f_max / f_min) ** (k / (n - 1))).to(dtype)


def plan_frequencies(kind: str, n: int, f_min: float, f_max: float, *, dtype=torch.float64) -> Tensor:
    """n tone frequencies [Hz] of the plan ``kind`` (one of PLAN_KINDS) over [f_min, f_max]."""
    if kind == "linear":
        return linear_plan(n, f_min, f_max, dtype=dtype)
    if kind == "geometric":
        return geometric_plan(n, f_min, f_max, dtype=dtype)
    raise RfspinError(f"frequency plan kind = {kind!r}: must be one of {PLAN_KINDS}")


frequency_plan = plan_frequencies  # older name; not re-exported by rfspin.physics (it would hide this module)
