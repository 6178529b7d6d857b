"""Pure tensor functions of the non-ideality models (no state; randomness via ``generator``).

Straight-through rounding keeps quantisers differentiable for hardware-aware training: the
forward value is quantised, the gradient is that of the identity.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..device import random_normal
from ..physics.oscillator import BOLTZMANN_CONSTANT

__all__ = [
    "lognormal_factors",
    "straight_through_round",
    "limit_tuning",
    "johnson_noise_sigma",
    "saturate_power",
    "adc_quantize",
    "insertion_loss_factors",
]


def lognormal_factors(shape, sigma: float, generator: torch.Generator | None, dtype=torch.float32,
                      device=None) -> Tensor:
    """Positive factors with mean exactly 1 and std exactly ``sigma`` [1], on ``device``.

    exp(mu + s n), n ~ N(0, 1), s^2 = ln(1 + sigma^2), mu = -s^2 / 2.
    """
    s2 = math.log1p(sigma * sigma)
    n = random_normal(shape, generator, dtype=torch.float64, device=device)
    return torch.exp(n * math.sqrt(s2) - 0.5 * s2).to(dtype)


def straight_through_round(x: Tensor, step: float) -> Tensor:
    """round(x / step) * step in the forward pass, identity gradient (step > 0)."""
    return x + (torch.round(x / step) * step - x).detach()


def limit_tuning(frequency: Tensor, anchor: Tensor, tuning_range: float, resolution: float) -> Tensor:
    """Analog non-volatile tuning: f clamped to anchor +- range / 2, on a grid of ``resolution``
    steps around the anchor [Hz]. ``tuning_range = inf``, ``resolution = 0``: unchanged."""
    offset = frequency - anchor
    if math.isfinite(tuning_range):
        offset = torch.clamp(offset, -tuning_range / 2, tuning_range / 2)
    if resolution > 0:
        offset = straight_through_round(offset, resolution)
    return anchor + offset


def johnson_noise_sigma(temperature: float, resistance: float, bandwidth: float) -> float:
    """RMS Johnson-Nyquist voltage sqrt(4 k_B T R B) [V]; T [K], R [ohm], B [Hz]."""
    return math.sqrt(4.0 * BOLTZMANN_CONSTANT * temperature * resistance * bandwidth)


def saturate_power(power: Tensor, saturation_power: float) -> Tensor:
    """P / (1 + P / P_sat) [W]: square law at low power, saturating at P_sat."""
    if math.isinf(saturation_power):
        return power
    return power / (1.0 + power / saturation_power)


def adc_quantize(voltage: Tensor, bits: int, full_scale: float) -> Tensor:
    """Clip to [-full_scale, full_scale] and quantise to 2^bits levels (straight-through) [V]."""
    if bits == 0:
        return voltage
    step = 2.0 * full_scale / (2**bits - 1)
    clipped = torch.clamp(voltage, -full_scale, full_scale)
    return straight_through_round(clipped + full_scale, step) - full_scale


def insertion_loss_factors(n_positions: int, loss_db: float, dtype=torch.float32, device=None) -> Tensor:
    """Power factors 10^(-loss_db k / 10) for chain positions k = 0..n-1 [1]."""
    k = torch.arange(n_positions, dtype=torch.float64, device=device)
    return torch.pow(10.0, -loss_db * k / 10.0).to(dtype)
