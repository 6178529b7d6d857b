"""Tones on an RF line: what one layer hands the next."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError

__all__ = ["Tones", "check_powers"]


class Tones(NamedTuple):
    """RF tones: ``frequencies`` (I,) shared, or (B, I) per sample [Hz]; ``powers`` (B, I) [W]."""

    frequencies: Tensor
    powers: Tensor


def check_powers(powers: Tensor, n_inputs: int, what: str = "input powers") -> None:
    """Raise ValueError unless ``powers`` is (B, n_inputs), finite and >= 0."""
    if not isinstance(powers, Tensor):
        raise RfspinTypeError(f"{what}: expected a torch.Tensor, got {type(powers).__name__}")
    if powers.dim() != 2 or powers.shape[-1] != n_inputs:
        raise RfspinError(
            f"{what}: shape {tuple(powers.shape)} does not match (batch, {n_inputs}): "
            f"the layer has {n_inputs} input tones"
        )
    with torch.no_grad():
        finite = torch.isfinite(powers)
        if not bool(finite.all()):
            bad = powers[~finite].flatten()[0].item()
            raise RfspinError(f"{what}: contains {bad!r}; RF powers must be finite")
        if powers.numel() and bool((powers < 0).any()):
            bad = powers.min().item()
            raise RfspinError(f"{what}: contains {bad!r}; RF powers must be >= 0")
