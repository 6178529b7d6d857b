"""Device dynamics in time, beside :mod:`rfspin.physics` on the ground floor.

Superparamagnetic (stochastic) magnetic tunnel junctions: pure functions of the telegraph
process (:mod:`.junction`), parameters and presets (:mod:`.junction_params`) and the batched,
exact simulator :func:`simulate_telegraph` (:mod:`.junction_sim`).
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
from .junction_sim import DwellTimes, PiecewiseCurrent, TelegraphConfig, TelegraphResult, simulate_telegraph

__all__ = [
    "BOLTZMANN_CONSTANT",
    "JUNCTION_PRESETS",
    "MIZRAHI2018_JUNCTION",
    "DwellTimes",
    "JunctionParams",
    "JunctionTensors",
    "PiecewiseCurrent",
    "TelegraphConfig",
    "TelegraphResult",
    "antiparallel_probability",
    "antiparallel_probability_after",
    "barrier_heights",
    "escape_rates",
    "junction_tensors",
    "junction_voltage",
    "magnetization",
    "mean_dwell_times",
    "mean_state",
    "relaxation_rate",
    "resistance",
    "sample_dwell_times",
    "simulate_telegraph",
    "switching_rate",
    "transition_probabilities",
]
