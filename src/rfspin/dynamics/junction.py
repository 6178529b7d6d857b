"""Superparamagnetic magnetic tunnel junction: a two-state telegraph process driven by a current.

Pure functions on tensors, SI units. The junction is either parallel (P, low resistance R_P) or
antiparallel (AP, R_AP); states are boolean tensors ``antiparallel`` (True = AP) and the
magnetisation is m = +1 in AP, -1 in P.

Neel-Brown thermal activation over a barrier lowered or raised by spin-transfer torque
(L. Neel, Ann. Geophys. 5, 99 (1949); W. F. Brown, Phys. Rev. 130, 1677 (1963); linear
spin-torque law: Koch, Katine & Sun, PRL 92, 088302 (2004); a barrier that vanishes as a power
of the drive: Taniguchi & Imamura, arXiv:1010.5845 (n = 2 for some geometries) and
doi:10.1038/s41467-022-31788-1), as used for populations of superparamagnetic junctions by
Mizrahi et al., Nat. Commun. 9, 1533 (2018):

    x            = (I - I_off) / I_c0                                             [1]
    Delta        = E_b / (k_B T)                                                  [1]
    Delta_P(I)   = Delta * max(1 - x, 0)^n        barrier out of P                [1]
    Delta_AP(I)  = Delta * max(1 + x, 0)^n        barrier out of AP               [1]
    tau_P, tau_AP = tau_0 exp(Delta_P), tau_0 exp(Delta_AP)   mean dwell times    [s]
    k_P, k_AP    = 1 / tau_P, 1 / tau_AP          escape rates                    [1/s]

Sign convention: a positive current (I > I_off) lowers the barrier of P and raises that of AP,
so it favours AP (for the usual stack: electrons flowing from the free layer into the reference
layer). With n = 1 this is DYNAMICS.md's tau_{P,AP} = tau_0 exp(Delta (1 -/+ I/I_c0)), shifted by
the operating point I_off. Beyond |x| = 1 the destabilised barrier is 0 (dwell tau_0): the
thermally activated model no longer holds there (deterministic spin-torque switching).

Consequences (exact for this two-state Markov process, constant current):

    P(AP)        = tau_AP / (tau_P + tau_AP) = sigmoid(Delta_AP - Delta_P)
    <m>          = (tau_AP - tau_P) / (tau_AP + tau_P) = tanh((Delta_AP - Delta_P) / 2)
                 = tanh(Delta x)                                   for n = 1
    r            = 2 / (tau_P + tau_AP)   switching events per second (both directions): bell-shaped
                   in I, maximal (e^-Delta / tau_0) at I = I_off where tau_P = tau_AP (n = 1)
    K            = k_P + k_AP             relaxation rate of P(AP); 1/K is the correlation time
    dwell times  ~ Exponential(tau_P), Exponential(tau_AP)

Exact transition probabilities over an interval dt of constant current (solution of the master
equation dP_AP/dt = k_P (1 - P_AP) - k_AP P_AP):

    P(P -> AP in dt)  = P(AP) (1 - exp(-K dt))
    P(AP -> P in dt)  = P(P)  (1 - exp(-K dt))
    P(AP at t | P_AP(0) = p0) = P(AP) + (p0 - P(AP)) exp(-K t)

To first order in dt these are the per-state jump probabilities 1 - exp(-dt / tau); unlike them,
they stay exact for any dt (a step may contain a switch and a switch back). Electrical read-out:
R = R_AP if AP else R_P, V = I R.

Every function takes ``params`` as :class:`~rfspin.dynamics.junction_params.JunctionParams`
(scalars) or :class:`~rfspin.dynamics.junction_params.JunctionTensors` (per-device tensors) and
broadcasts them against its tensor arguments; all are differentiable in the current and in
tensor parameters. Everything is computed from barrier differences in log space, so no ratio of
two overflowing dwell times ever appears: extreme currents give 0 or 1, never NaN.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .junction_params import JunctionParams, JunctionTensors, junction_tensors

__all__ = [
    "barrier_heights",
    "escape_rates",
    "mean_dwell_times",
    "antiparallel_probability",
    "mean_state",
    "switching_rate",
    "relaxation_rate",
    "transition_probabilities",
    "antiparallel_probability_after",
    "sample_dwell_times",
    "resistance",
    "junction_voltage",
    "magnetization",
]

Params = JunctionParams | JunctionTensors


def _as_float(value, like: Tensor | None = None) -> Tensor:
    """A floating tensor (float32 unless ``value`` or ``like`` is floating) on ``like``'s device."""
    if isinstance(value, Tensor) and value.is_floating_point():
        return value
    dtype = like.dtype if like is not None and like.is_floating_point() else torch.get_default_dtype()
    return torch.as_tensor(value, dtype=dtype, device=None if like is None else like.device)


def _fields(params: Params, like: Tensor) -> JunctionTensors:
    if isinstance(params, JunctionTensors):
        return params
    return junction_tensors(params, device=like.device, dtype=like.dtype)


def barrier_heights(current: Tensor, params: Params) -> tuple[Tensor, Tensor]:
    """(Delta_P, Delta_AP): the barriers out of P and out of AP at ``current`` [A], in units of k_B T."""
    current = _as_float(current)
    p = _fields(params, current)
    x = (current - p.offset_current) / p.critical_current
    delta = p.thermal_stability
    out_of_p = delta * torch.clamp(1.0 - x, min=0.0) ** p.barrier_exponent
    out_of_ap = delta * torch.clamp(1.0 + x, min=0.0) ** p.barrier_exponent
    return out_of_p, out_of_ap


def escape_rates(current: Tensor, params: Params) -> tuple[Tensor, Tensor]:
    """(k_P, k_AP) = (1/tau_P, 1/tau_AP): switching rates out of P and out of AP [1/s]."""
    current = _as_float(current)
    p = _fields(params, current)
    out_of_p, out_of_ap = barrier_heights(current, p)
    return torch.exp(-out_of_p) / p.attempt_time, torch.exp(-out_of_ap) / p.attempt_time


def mean_dwell_times(current: Tensor, params: Params) -> tuple[Tensor, Tensor]:
    """(tau_P, tau_AP) = tau_0 exp(Delta_{P,AP}(I)): mean dwell times in P and in AP [s].

    A dwell time beyond the dtype's range is inf (a frozen junction).
    """
    current = _as_float(current)
    p = _fields(params, current)
    out_of_p, out_of_ap = barrier_heights(current, p)
    return p.attempt_time * torch.exp(out_of_p), p.attempt_time * torch.exp(out_of_ap)


def antiparallel_probability(current: Tensor, params: Params) -> Tensor:
    """Stationary probability of AP = time fraction in AP: tau_AP / (tau_P + tau_AP) [1]."""
    out_of_p, out_of_ap = barrier_heights(current, params)
    return torch.sigmoid(out_of_ap - out_of_p)


def mean_state(current: Tensor, params: Params) -> Tensor:
    """Time-averaged magnetisation <m> (m = +1 AP, -1 P): tanh((Delta_AP - Delta_P)/2); tanh(Delta x) for n = 1."""
    out_of_p, out_of_ap = barrier_heights(current, params)
    return torch.tanh(0.5 * (out_of_ap - out_of_p))


def switching_rate(current: Tensor, params: Params) -> Tensor:
    """Mean number of switching events per second, both directions: 2 / (tau_P + tau_AP) [1/s]."""
    current = _as_float(current)
    p = _fields(params, current)
    out_of_p, out_of_ap = barrier_heights(current, p)
    return 2.0 / p.attempt_time * torch.exp(-torch.logaddexp(out_of_p, out_of_ap))


def relaxation_rate(current: Tensor, params: Params) -> Tensor:
    """K = k_P + k_AP: the rate at which P(AP) relaxes to its stationary value [1/s]."""
    current = _as_float(current)
    p = _fields(params, current)
    out_of_p, out_of_ap = barrier_heights(current, p)
    return torch.exp(torch.logaddexp(-out_of_p, -out_of_ap)) / p.attempt_time


def transition_probabilities(current: Tensor, time_step, params: Params) -> tuple[Tensor, Tensor]:
    """(P(P -> AP), P(AP -> P)) over ``time_step`` [s] of constant ``current``: exact for any step.

    ``P(s -> s') = pi_s' (1 - exp(-K dt))`` with pi the stationary probabilities; ``time_step``
    may be a tensor broadcasting against ``current``.
    """
    current = _as_float(current)
    p = _fields(params, current)
    out_of_p, out_of_ap = barrier_heights(current, p)
    total = torch.exp(torch.logaddexp(-out_of_p, -out_of_ap)) / p.attempt_time
    moved = -torch.expm1(-total * _as_float(time_step, current))
    return torch.sigmoid(out_of_ap - out_of_p) * moved, torch.sigmoid(out_of_p - out_of_ap) * moved


def antiparallel_probability_after(time, current: Tensor, initially_antiparallel, params: Params) -> Tensor:
    """P(AP at ``time`` [s]) for a junction in AP (True) or P (False) at time 0, constant ``current``.

    ``initially_antiparallel`` may also be a probability in [0, 1]. For a p-bit read at a sampling
    instant: P(AP) + (p0 - P(AP)) exp(-K t).
    """
    current = _as_float(current)
    p = _fields(params, current)
    out_of_p, out_of_ap = barrier_heights(current, p)
    stationary = torch.sigmoid(out_of_ap - out_of_p)
    total = torch.exp(torch.logaddexp(-out_of_p, -out_of_ap)) / p.attempt_time
    start = _as_float(torch.as_tensor(initially_antiparallel, device=current.device), current)
    return stationary + (start - stationary) * torch.exp(-total * _as_float(time, current))


def sample_dwell_times(antiparallel: Tensor, current: Tensor, params: Params, generator: torch.Generator) -> Tensor:
    """Random dwell times [s] of junctions in state ``antiparallel`` at constant ``current``.

    Exponential with mean tau_AP (AP) or tau_P (P), drawn with ``generator``; by memorylessness
    also the time to the next switch from any instant, e.g. for asynchronous event-driven updates
    of junction networks whose currents change at every switch.
    """
    current = _as_float(current)
    tau_p, tau_ap = mean_dwell_times(current, params)
    tau = torch.where(torch.as_tensor(antiparallel, dtype=torch.bool, device=current.device), tau_ap, tau_p)
    draws = torch.empty(tau.shape, dtype=tau.dtype, device=tau.device).exponential_(generator=generator)
    return draws * tau


def resistance(antiparallel: Tensor, params: Params) -> Tensor:
    """Junction resistance [ohm]: R_AP where ``antiparallel`` else R_P."""
    state = torch.as_tensor(antiparallel, dtype=torch.bool)
    p = params if isinstance(params, JunctionTensors) else junction_tensors(params, device=state.device)
    return torch.where(state.to(p.parallel_resistance.device), p.antiparallel_resistance, p.parallel_resistance)


def junction_voltage(antiparallel: Tensor, current: Tensor, params: Params) -> Tensor:
    """Voltage across the junction, V = I R(state) [V]."""
    current = _as_float(current)
    return current * resistance(antiparallel, _fields(params, current))


def magnetization(antiparallel: Tensor, dtype: torch.dtype | None = None) -> Tensor:
    """m = +1 for AP, -1 for P, as a floating tensor (default dtype unless given)."""
    state = torch.as_tensor(antiparallel, dtype=torch.bool)
    return state.to(dtype or torch.get_default_dtype()) * 2.0 - 1.0
