"""Computing with thermal noise: p-bits, invertible logic, Ising machines, population
coding (floor 5).

- :mod:`.pbit`: ideal and junction + transistor p-bits (the sigmoid from the junction model).
- :mod:`.network`: sparse Ising networks with 3- and 4-body terms, energies, graph colouring.
- :mod:`.sampler`: sequential and graph-coloured Gibbs sweeps, annealing schedules.
- :mod:`.physical_time`: asynchronous junction p-bits in seconds (exact, event by event).
- :mod:`.polynomial`, :mod:`.logic`: gates, full adder and multiplier as Ising Hamiltonians.
- :mod:`.factor`: factorization by clamping the product; :mod:`.maxcut`: max-cut.
- :mod:`.population`, :mod:`.population_readout`, :mod:`.population_transform`: population coding
  with superparamagnetic junctions (Mizrahi et al. 2018); import them by full path.
"""

from .factor import (
    FactorProblem,
    check_composite,
    decode_factors,
    factor_problem,
    run_factor,
)
from .logic import (
    GATES,
    Circuit,
    Multiplier,
    build_full_adder,
    build_gate,
    build_multiplier,
    factor_energy,
)
from .network import (
    PbitNetwork,
    color_network,
    energy,
    ising_network,
    local_fields,
    network_from_polynomial,
)
from .pbit import BORDERS2019_PBIT, IdealPbit, JunctionPbit, probability_up
from .physical_time import AsyncResult, simulate_physical_time
from .polynomial import binary_to_spin
from .sampler import SCHEMES, AnnealingSchedule, SampleResult, compile_plan, sample

__all__ = [
    "BORDERS2019_PBIT", "GATES", "SCHEMES", "AnnealingSchedule", "AsyncResult", "Circuit", "FactorProblem",
    "IdealPbit", "JunctionPbit", "Multiplier", "PbitNetwork", "SampleResult", "binary_to_spin", "build_full_adder",
    "build_gate", "build_multiplier", "check_composite", "color_network", "compile_plan", "decode_factors", "energy",
    "factor_energy", "factor_problem", "ising_network", "local_fields", "network_from_polynomial",
    "probability_up", "run_factor", "sample", "simulate_physical_time",
]
