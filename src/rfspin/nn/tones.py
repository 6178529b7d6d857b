"""Tones on an RF line: what one layer hands the next; the check of input powers.

Layers compute in their parameters' floating type (float32 by default). Inputs of any real type
are accepted and converted to it: float16/bfloat16/float64 and integer tensors (e.g. uint8
images); bool and complex tensors are refused. :func:`as_powers` converts and validates with one
host synchronisation per call, so a network checks its inputs once per batch at its boundary
and its layers run unchecked inside.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError

__all__ = ["MAX_RF_POWER", "Tones", "as_powers", "check_powers"]

#: Largest RF power a layer accepts on its line [W]: a nanoscale junction is destroyed long before
#: (its operating powers are uW), and larger values would overflow float32 chain voltages.
MAX_RF_POWER = 1.0


class Tones(NamedTuple):
    """RF tones: ``frequencies`` (I,) shared, or (B, I) per sample [Hz]; ``powers`` (B, I) [W]."""

    frequencies: Tensor
    powers: Tensor


def _check_type(powers, what: str) -> None:
    if not isinstance(powers, Tensor):
        raise RfspinTypeError(f"{what}: expected a torch.Tensor, got {type(powers).__name__}")
    if powers.dtype == torch.bool or powers.is_complex():
        raise RfspinTypeError(f"{what}: dtype {powers.dtype} is not a real number type (use float32, float64 "
                              "or an integer type)")


def _raise_bad_values(original: Tensor, converted: Tensor, what: str, max_value: float | None) -> None:
    """Name the first offending value (only called once a check has failed)."""
    with torch.no_grad():
        values = original.detach()
        if values.is_floating_point():
            finite = torch.isfinite(values)
            if not bool(finite.all()):
                bad = values[~finite].flatten()[0].item()
                raise RfspinError(f"{what}: contains {bad!r}; RF powers must be finite")
        if bool((values < 0).any()):
            raise RfspinError(f"{what}: contains {values.min().item()!r}; RF powers must be >= 0")
        overflow = ~torch.isfinite(converted)
        if bool(overflow.any()):
            bad = values[overflow].flatten()[0].item()
            raise RfspinError(f"{what}: contains {bad!r}, beyond the range of {converted.dtype} the layers compute in")
        raise RfspinError(f"{what}: contains {values.max().item()!r}; must be <= {max_value:g} "
                          f"(RF power at most {MAX_RF_POWER:g} W on a line)")


def as_powers(powers: Tensor, n_inputs: int, dtype: torch.dtype | None = None, what: str = "input powers", *,
              device: torch.device | None = None, validate: bool = True,
              max_value: float | None = MAX_RF_POWER) -> Tensor:
    """``powers`` (B, n_inputs) as ``dtype`` on ``device`` (None: keep), checked finite, >= 0 and
    <= ``max_value`` (default :data:`MAX_RF_POWER` W; callers passing normalised inputs give
    ``MAX_RF_POWER / input_power``; None: no ceiling).

    One host synchronisation when ``validate`` (the check runs on the converted values, so a
    float64 value beyond the float32 range is caught too).
    """
    _check_type(powers, what)
    if powers.dim() != 2 or powers.shape[-1] != n_inputs:
        raise RfspinError(
            f"{what}: shape {tuple(powers.shape)} does not match (batch, {n_inputs}): "
            f"the layer has {n_inputs} input tones"
        )
    if dtype is None and not powers.is_floating_point():
        dtype = torch.get_default_dtype()
    converted = powers.to(device=device, dtype=dtype)
    if validate and converted.numel():
        with torch.no_grad():  # one pass: NaN propagates to both extremes and fails both comparisons
            low, high = torch.aminmax(converted)
            ok = (low >= 0) & (high <= max_value if max_value is not None else high < math.inf)
            if not bool(ok):
                _raise_bad_values(powers, converted, what, max_value)
    return converted


def check_powers(powers: Tensor, n_inputs: int, what: str = "input powers") -> None:
    """Raise RfspinError unless ``powers`` is (B, n_inputs), finite and >= 0 (one host sync)."""
    as_powers(powers, n_inputs, what=what)
