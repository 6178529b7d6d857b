"""Asynchronous p-bit networks in physical time: every junction switches at its own rate.

No clock and no sweeps: each junction p-bit i is a two-state Markov jump process whose escape
rate out of its present state is 1/tau_P or 1/tau_AP at its junction current
I_j = I_off + g_m v_u beta I_i (:mod:`.pbit`, :mod:`rfspin.dynamics.junction`). The rates change
only when some p-bit switches (its neighbours' fields change), so the network is simulated
exactly, event by event (Gillespie, J. Phys. Chem. 81, 2340 (1977)): with total rate
Lambda = sum_i k_i the time to the next switch is Exponential(1 / Lambda) [s] and the p-bit that
switches is i with probability k_i / Lambda. For the linear law (n = 1) the stationary
distribution is exp(-beta E) (detailed balance: k_P / k_AP = exp(2 beta I_i)), as for Gibbs
sweeps, but time is measured in seconds set by the junctions' own dwell times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import Tensor

from ..dynamics import junction_tensors
from ..errors import RfspinError
from ..validation import check_number
from .network import PbitNetwork, local_fields
from .pbit import JunctionPbit, pbit_rates
from .sampler import clamp_vector

__all__ = ["AsyncResult", "simulate_physical_time"]


class AsyncResult(NamedTuple):
    """states (runs, n) at the end; first_hit_time (runs,) [s] when the monitor first held (-1 if
    never; None without a monitor); events (runs,) switches simulated; time (runs,) [s] simulated."""

    states: Tensor
    first_hit_time: Tensor | None
    events: Tensor
    time: Tensor


def simulate_physical_time(network: PbitNetwork, pbit: JunctionPbit, *, duration: float, runs: int,
                           generator: torch.Generator, beta: float = 1.0, clamp: dict[int, int] | None = None,
                           initial: Tensor | None = None, monitor: Callable[[Tensor], Tensor] | None = None,
                           stop_when_all_hit: bool = False, max_events: int = 1_000_000) -> AsyncResult:
    """Simulate ``runs`` independent networks of junction p-bits for ``duration`` [s].

    One event (one switch in every run still going) per iteration; ``monitor`` is checked after
    each event. Stops at ``duration``, when every run has hit (``stop_when_all_hit``) or after
    ``max_events`` iterations.
    """
    if not isinstance(pbit, JunctionPbit):
        raise RfspinError("physical-time updates need junction p-bits (JunctionPbit): an ideal p-bit has no dwell time")
    duration = check_number(duration, "duration", gt=0.0)
    beta = check_number(beta, "beta", ge=0.0)
    if runs < 1:
        raise RfspinError(f"runs = {runs}: must be >= 1")
    device, dtype, n = network.device, network.dtype, network.size
    tensors = junction_tensors(pbit.junction, device=device, dtype=torch.float64)  # rates span many decades
    fixed = torch.as_tensor(clamp_vector(n, clamp), dtype=dtype, device=device)
    free = (fixed == 0).to(torch.float64)
    if initial is None:
        draw = torch.rand((runs, n), generator=generator, device=generator.device).to(device)
        initial = torch.where(draw < 0.5, -1.0, 1.0).to(dtype)
    states = torch.where(fixed != 0, fixed, initial.to(device, dtype)).clone()
    time = torch.zeros(runs, dtype=torch.float64, device=device)
    events = torch.zeros(runs, dtype=torch.int64, device=device)
    first_hit = None
    if monitor is not None:
        first_hit = torch.full((runs,), -1.0, dtype=torch.float64, device=device)
        first_hit[monitor(states)] = 0.0
    rows = torch.arange(runs, device=device)
    for _ in range(max_events):
        going = time < duration
        if stop_when_all_hit and first_hit is not None:
            going &= first_hit < 0
        if not bool(going.any()):
            break
        drive = beta * local_fields(network, states).to(torch.float64)
        rates = pbit_rates(drive, states, pbit, tensors) * free
        total = rates.sum(1).clamp_min(1e-300)
        wait = torch.empty(runs, dtype=torch.float64, device=generator.device).exponential_(generator=generator)
        step = wait.to(device) / total
        chosen = torch.multinomial((rates + (total == 1e-300)[:, None]).to(generator.device), 1, generator=generator).to(device)[:, 0]
        switch = going & (time + step < duration)
        states[rows[switch], chosen[switch]] *= -1.0
        time = torch.where(going, torch.minimum(time + step, torch.full_like(time, duration)), time)
        events += switch.long()
        if monitor is not None:
            hit = monitor(states) & (first_hit < 0) & switch
            first_hit[hit] = time[hit]
    return AsyncResult(states, first_hit, events, time)
