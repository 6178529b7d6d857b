"""Population coding with superparamagnetic tunnel junctions: tuning curves and switch counts.

After Mizrahi et al., "Neural-like computing with populations of superparamagnetic basis
functions", Nat. Commun. 9, 1533 (2018). N junctions receive the same input current I(x), but
junction i is biased to its own operating point I_off,i (the current at which it spends equal
time in P and AP), the operating points spread evenly across the input range. Each junction's
switching rate (equations of :mod:`rfspin.dynamics.junction`, the junction model on which this
builds) is a bell-shaped tuning curve centred on its operating point:

    r_i(I) = 2 / (tau_P,i(I) + tau_AP,i(I))                                      [1/s]
           = r_max,i / cosh(Delta_i (I - I_off,i) / I_c0)     (barrier exponent n = 1)
    r_max,i = e^-Delta_i / tau_0,i = 1 / (balanced dwell time)                   [1/s]

so its full width at half maximum is 2 arccosh(2) I_c0 / Delta = 2.63 I_c0 / Delta [A]. The
input x in [x_lo, x_hi] is mapped linearly onto [I_min, I_max]:

    I(x) = I_min + (x - x_lo) / (x_hi - x_lo) (I_max - I_min)                    [A]

and encoded by the numbers of switches N_i counted in a window T. The count of a stationary
two-state Markov process has mean r_i T exactly and, for T >> tau_P + tau_AP, variance

    Var N_i = 4 T (tau_P^2 + tau_AP^2) / (tau_P + tau_AP)^3                       [1]

(alternating renewal process: the Fano factor runs from 1 at the operating point, where the
switches are a Poisson process, to 2 far from it, where switches come in quick pairs). A linear
readout of N_i / T therefore has a noise that falls as 1 / sqrt(T) (see
:mod:`rfspin.stochastic.population_readout`).

Device-to-device variability: barrier energy and attempt time per junction drawn log-normally,
E_b,i = E_b exp(sigma_E z_i), tau_0,i = tau_0 exp(sigma_tau z'_i), z ~ N(0, 1) (relative spread
~ sigma for small sigma; always positive), through an explicit ``torch.Generator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from ..device import random_normal
from ..dynamics import (
    MIZRAHI2018_JUNCTION,
    JunctionParams,
    JunctionTensors,
    TelegraphConfig,
    junction_tensors,
    mean_dwell_times,
    simulate_telegraph,
    switching_rate,
)
from ..errors import RfspinError, RfspinTypeError
from ..validation import check_fields, check_number

__all__ = [
    "MIZRAHI2018_POPULATION",
    "PopulationConfig",
    "TuningCurves",
    "analytic_tuning_curves",
    "count_switches",
    "input_to_current",
    "measure_tuning_curves",
    "operating_points",
    "population_tensors",
    "switch_count_variance",
]

#: Time steps per counting window handed to the event-driven simulator (only sets its clock unit).
_STEPS_PER_WINDOW = 2**20


@dataclass(frozen=True)
class PopulationConfig:
    """A population of superparamagnetic junctions with shifted operating points.

    Fields (SI units):
        junctions: N, number of junctions [1].
        current_min: I_min, input current at the low end of the input domain and the lowest
            operating point [A].
        current_max: I_max, input current at the high end and the highest operating point [A].
        counting_window: T, time over which each junction's switches are counted [s].
        barrier_variability: sigma_E, log-normal spread of the barrier energy across
            junctions (0.1 = about 10 %) [1].
        attempt_time_variability: sigma_tau, log-normal spread of the attempt time [1].
        junction: the nominal junction (its ``offset_current`` is replaced per junction).
    """

    junctions: int = 20
    current_min: float = -100e-6
    current_max: float = 100e-6
    counting_window: float = 0.2
    barrier_variability: float = 0.0
    attempt_time_variability: float = 0.0
    junction: JunctionParams = MIZRAHI2018_JUNCTION

    def __post_init__(self) -> None:
        check_fields(
            self, junctions={"ge": 1, "integer": True}, counting_window={"gt": 0.0},
            barrier_variability={"ge": 0.0, "le": 1.0}, attempt_time_variability={"ge": 0.0, "le": 1.0},
        )
        if not self.current_max > self.current_min:
            raise RfspinError(
                f"PopulationConfig: current_max = {self.current_max!r} A must be > current_min = {self.current_min!r} A"
            )
        if not isinstance(self.junction, JunctionParams):
            raise RfspinTypeError(f"PopulationConfig.junction = {self.junction!r}: must be a JunctionParams")

    @property
    def balanced_dwell_time(self) -> float:
        """Nominal mean dwell time at an operating point, tau_0 e^Delta [s]."""
        return self.junction.balanced_dwell_time

    @property
    def tuning_width(self) -> float:
        """Nominal full width at half maximum of a tuning curve, 2 arccosh(2) I_c0 / Delta [A] (n = 1)."""
        return 2.0 * math.acosh(2.0) * self.junction.critical_current / self.junction.thermal_stability

    def with_window(self, counting_window: float) -> PopulationConfig:
        """The same population counted over another window [s]."""
        return replace(self, counting_window=counting_window)


#: The default population: 20 Mizrahi-2018 junctions (1 ms balanced dwell time, tuning FWHM
#: 48 uA) with operating points every 10.5 uA over +-100 uA, counted for 200 ms (200 balanced
#: dwell times, 200 switches expected at a tuning curve's peak): the shortest window in which 20
#: junctions decode sin(x) to an RMS error below 5 % of its amplitude with margin (docs/population.md).
MIZRAHI2018_POPULATION = PopulationConfig()


def operating_points(config: PopulationConfig, *, device=None, dtype: torch.dtype = torch.float64) -> Tensor:
    """(N,) operating points I_off,i [A], evenly spaced from I_min to I_max (the centre for N = 1)."""
    if config.junctions == 1:
        return torch.full((1,), 0.5 * (config.current_min + config.current_max), dtype=dtype, device=device)
    return torch.linspace(config.current_min, config.current_max, config.junctions, dtype=dtype, device=device)


def population_tensors(
    config: PopulationConfig, generator: torch.Generator, *, device=None, dtype: torch.dtype = torch.float64
) -> JunctionTensors:
    """One drawn chip: (N,) junction parameters with shifted operating points and variability.

    Both normal vectors are always drawn (barrier first, then attempt time), so a seed gives the
    same chip shape whatever the spreads. ``device`` defaults to the generator's.
    """
    if not isinstance(config, PopulationConfig):
        raise RfspinTypeError(f"config = {config!r}: must be a PopulationConfig")
    device = generator.device if device is None else torch.device(device)
    n = config.junctions
    z_barrier = random_normal((n,), generator, dtype=dtype, device=device)
    z_attempt = random_normal((n,), generator, dtype=dtype, device=device)
    nominal = config.junction
    return junction_tensors(
        nominal, device=device, dtype=dtype,
        offset_current=operating_points(config, device=device, dtype=dtype),
        barrier_energy=nominal.barrier_energy * torch.exp(config.barrier_variability * z_barrier),
        attempt_time=nominal.attempt_time * torch.exp(config.attempt_time_variability * z_attempt),
    )


def input_to_current(x: Tensor, domain: tuple[float, float], config: PopulationConfig) -> Tensor:
    """I(x) = I_min + (x - x_lo) / (x_hi - x_lo) (I_max - I_min) [A]: the input encoding."""
    lo, hi = domain
    if not hi > lo:
        raise RfspinError(f"input domain {domain!r}: the upper end must be > the lower end")
    return config.current_min + (x - lo) / (hi - lo) * (config.current_max - config.current_min)


def analytic_tuning_curves(currents: Tensor, params: JunctionTensors) -> Tensor:
    """(inputs, N) switching rates r_i(I) = 2 / (tau_P + tau_AP) [1/s] of each junction at each current."""
    return switching_rate(currents.reshape(-1, 1), params)


def switch_count_variance(currents: Tensor, params: JunctionTensors, window: float) -> Tensor:
    """(inputs, N) asymptotic variance of the switch count in ``window`` [s]: 4 T (a^2 + b^2) / (a + b)^3.

    a, b = tau_P, tau_AP: the alternating renewal process with exponential dwell times (valid for
    T >> a + b; the mean count r T is exact for any T in the stationary state).
    """
    tau_p, tau_ap = mean_dwell_times(currents.reshape(-1, 1), params)
    total = tau_p + tau_ap
    # (a^2 + b^2) / (a + b)^3 without overflow: ((a/s)^2 + (b/s)^2) / s
    return 4.0 * window * ((tau_p / total) ** 2 + (tau_ap / total) ** 2) / total


def count_switches(
    params: JunctionTensors,
    currents: Tensor,
    window: float,
    generator: torch.Generator,
    *,
    trials: int = 1,
    progress: bool = False,
) -> Tensor:
    """(trials, inputs, N) switch counts of every junction at every input current in ``window`` [s].

    One batched, exact event-driven simulation (:func:`rfspin.dynamics.simulate_telegraph`,
    method "events") of all junctions x all currents x all trials, each junction starting in its
    stationary state (so the mean count is exactly r T). ``currents`` [A]: (inputs,).
    """
    window = check_number(window, "counting window", gt=0.0)
    currents = torch.as_tensor(currents)
    if currents.dim() != 1 or currents.numel() < 1:
        raise RfspinError(f"currents: must be a non-empty 1-d tensor [A], got shape {tuple(currents.shape)}")
    config = TelegraphConfig(duration=window, time_step=window / _STEPS_PER_WINDOW, record_every=None, method="events")
    result = simulate_telegraph(
        params, currents.to(device=generator.device, dtype=torch.float64).reshape(-1, 1), config,
        generator=generator, trials=trials, progress=progress,
    )
    return result.switches


@dataclass(frozen=True)
class TuningCurves:
    """Tuning curves measured from simulated telegraph traces beside the analytic rates.

    Fields: currents (inputs,) [A]; measured_rate (inputs, N) mean switches per second over
    ``trials`` windows [1/s]; standard_error (inputs, N) its standard error from the asymptotic
    count variance [1/s]; analytic_rate (inputs, N) [1/s]; window [s]; trials [1].
    """

    currents: Tensor
    measured_rate: Tensor
    standard_error: Tensor
    analytic_rate: Tensor
    window: float
    trials: int


def measure_tuning_curves(
    params: JunctionTensors,
    currents: Tensor,
    window: float,
    generator: torch.Generator,
    *,
    trials: int = 1,
    progress: bool = False,
) -> TuningCurves:
    """Switching rate vs input current of every junction, simulated (``trials`` windows) and analytic."""
    trials = check_number(trials, "trials", ge=1, integer=True)
    counts = count_switches(params, currents, window, generator, trials=trials, progress=progress)
    currents = torch.as_tensor(currents, dtype=torch.float64, device=counts.device)
    variance = switch_count_variance(currents, params, window)
    return TuningCurves(
        currents=currents,
        measured_rate=counts.to(torch.float64).mean(0) / window,
        standard_error=torch.sqrt(variance / trials) / window,
        analytic_rate=analytic_tuning_curves(currents, params),
        window=window,
        trials=trials,
    )
