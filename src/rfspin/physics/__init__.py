"""Device physics: pure differentiable functions on tensors, SI units, no state."""

from .chain_kernel import chain_weights
from .frequency_plan import geometric_plan, linear_plan, plan_frequencies
from .oscillator import (
    amplitude_derivative,
    amplitude_relaxation_rate,
    emitted_frequency,
    generation_linewidth,
    normalized_power,
    oscillator_current,
    output_power,
)
from .params import (
    ROSS2023_OSCILLATOR,
    ROSS2023_RESONATOR,
    OscillatorParams,
    ResonatorParams,
)
from .resonator import (
    chain_weights_direct,
    half_linewidth,
    head_to_tail_signs,
    lineshape,
    lineshape_coefficients,
    rectified_voltage,
)

__all__ = [
    "ROSS2023_OSCILLATOR",
    "ROSS2023_RESONATOR",
    "OscillatorParams",
    "ResonatorParams",
    "amplitude_derivative",
    "amplitude_relaxation_rate",
    "chain_weights",
    "chain_weights_direct",
    "emitted_frequency",
    "generation_linewidth",
    "geometric_plan",
    "half_linewidth",
    "head_to_tail_signs",
    "linear_plan",
    "lineshape",
    "lineshape_coefficients",
    "normalized_power",
    "oscillator_current",
    "output_power",
    "plan_frequencies",
    "rectified_voltage",
]
