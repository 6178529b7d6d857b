"""Device dynamics in time, beside :mod:`rfspin.physics` on the ground floor.

Superparamagnetic (stochastic) magnetic tunnel junctions: pure functions of the telegraph
process (:mod:`.junction`), parameters and presets (:mod:`.junction_params`) and the batched,
exact simulator :func:`simulate_telegraph` (:mod:`.junction_sim`).

Spin-torque oscillators (universal auto-oscillator model): pure functions (:mod:`.oscillator`),
parameters and presets (:mod:`.oscillator_params`: ``AutoOscillatorParams``,
``ROSS2023_OSCILLATOR``, ``TORREJON2017_VORTEX``) and the batched stochastic-Heun simulator
:func:`simulate_oscillators` (:mod:`.oscillator_sim`: ``RFDrive``, ``OscillatorSimConfig``,
``OscillatorTrace``).
"""

from .junction import (
    antiparallel_probability,
    antiparallel_probability_after,
    barrier_heights,
    escape_rates,
    junction_voltage,
    magnetization,
    mean_dwell_times,
    mean_state,
    relaxation_rate,
    resistance,
    sample_dwell_times,
    switching_rate,
    transition_probabilities,
)
from .junction_params import (
    BOLTZMANN_CONSTANT,
    JUNCTION_PRESETS,
    MIZRAHI2018_JUNCTION,
    JunctionParams,
    JunctionTensors,
    junction_tensors,
)
from .junction_sim import (
    DwellTimes,
    PiecewiseCurrent,
    TelegraphConfig,
    TelegraphResult,
    simulate_telegraph,
)
from .oscillator import (
    amplitude_drift,
    emitted_power,
    generation_linewidth,
    instantaneous_frequency,
    locking_half_width,
    noise_intensity,
    nonlinear_shift_ratio,
    power_relaxation_rate,
    rectified_voltage,
    steady_state_frequency,
    steady_state_power,
)
from .oscillator_params import (
    OSCILLATOR_PRESETS,
    ROSS2023_OSCILLATOR,
    TORREJON2017_VORTEX,
    AutoOscillatorParams,
)
from .oscillator_sim import (
    OscillatorSimConfig,
    OscillatorTrace,
    RFDrive,
    fastest_rate,
    simulate_oscillators,
)

__all__ = [
    "BOLTZMANN_CONSTANT",
    "JUNCTION_PRESETS",
    "MIZRAHI2018_JUNCTION",
    # oscillators
    "OSCILLATOR_PRESETS",
    "ROSS2023_OSCILLATOR",
    "TORREJON2017_VORTEX",
    "AutoOscillatorParams",
    "DwellTimes",
    "JunctionParams",
    "JunctionTensors",
    "OscillatorSimConfig",
    "OscillatorTrace",
    "PiecewiseCurrent",
    "RFDrive",
    "TelegraphConfig",
    "TelegraphResult",
    "amplitude_drift",
    "antiparallel_probability",
    "antiparallel_probability_after",
    "barrier_heights",
    "emitted_power",
    "escape_rates",
    "fastest_rate",
    "generation_linewidth",
    "instantaneous_frequency",
    "junction_tensors",
    "junction_voltage",
    "locking_half_width",
    "magnetization",
    "mean_dwell_times",
    "mean_state",
    "noise_intensity",
    "nonlinear_shift_ratio",
    "power_relaxation_rate",
    "rectified_voltage",
    "relaxation_rate",
    "resistance",
    "sample_dwell_times",
    "simulate_oscillators",
    "simulate_telegraph",
    "steady_state_frequency",
    "steady_state_power",
    "switching_rate",
    "transition_probabilities",
]
