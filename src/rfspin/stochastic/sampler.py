"""Running p-bit networks: sequential Gibbs, graph-coloured parallel sweeps, annealing schedules.

All runs are independent and batched: states are (runs, n) tensors of +-1. Internally the p-bits
are renumbered colour by colour and the state is held as (n, runs), so that updating one colour
is one sparse x dense product ``J[colour rows] @ M`` (plus the higher-order terms touching the
colour), one uniform draw per p-bit and run, and a contiguous slice write. A sweep updates every
free p-bit once: "sequential" visits them one at a time in index order (each its own colour),
"coloured" a colour at a time. Both are exact Gibbs samplers of exp(-beta E) for ideal p-bits
and for relaxed linear-law junction p-bits (:mod:`.pbit`).

Clamped p-bits keep their values and are never updated (invertible logic run backwards).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ..dynamics import junction_tensors
from ..errors import RfspinError
from ..validation import check_fields
from .network import PbitNetwork, color_network, csr_tensor, energy
from .pbit import IDEAL_PBIT, IdealPbit, JunctionPbit, probability_up

__all__ = ["SCHEMES", "AnnealingSchedule", "SampleResult", "clamp_vector", "compile_plan", "sample"]

SCHEMES = ("coloured", "sequential")
Monitor = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class AnnealingSchedule:
    """Inverse temperature per sweep.

    Fields:
        sweeps: number of sweeps [1].
        beta_start: beta of the first sweep [1 / energy unit].
        beta_end: beta of the last sweep; None keeps beta_start (no annealing).
        shape: "linear" or "geometric" interpolation from beta_start to beta_end.
        cycles: repeat the ramp this many times (re-heating between ramps); the total number
            of sweeps is sweeps x cycles [1].
    """

    sweeps: int
    beta_start: float = 1.0
    beta_end: float | None = None
    shape: str = "linear"
    cycles: int = 1

    def __post_init__(self) -> None:
        check_fields(self, sweeps={"ge": 1}, beta_start={"ge": 0.0}, cycles={"ge": 1})
        if self.beta_end is not None:
            check_fields(self, beta_end={"ge": 0.0})
        if self.shape not in ("linear", "geometric"):
            raise RfspinError(f"AnnealingSchedule.shape = {self.shape!r}: must be 'linear' or 'geometric'")
        if self.shape == "geometric" and self.beta_end is not None and min(self.beta_start, self.beta_end) <= 0:
            raise RfspinError("AnnealingSchedule: a geometric schedule needs beta_start, beta_end > 0")

    @property
    def total_sweeps(self) -> int:
        return self.sweeps * self.cycles

    def betas(self) -> list[float]:
        """beta of every sweep, all cycles (length sweeps x cycles)."""
        end = self.beta_start if self.beta_end is None else self.beta_end
        if self.sweeps == 1:
            return [end] * self.cycles
        fractions = [k / (self.sweeps - 1) for k in range(self.sweeps)]
        if self.shape == "geometric":
            ramp = [self.beta_start * (end / self.beta_start) ** f for f in fractions]
        else:
            ramp = [self.beta_start + (end - self.beta_start) * f for f in fractions]
        return ramp * self.cycles


class SampleResult(NamedTuple):
    """states (runs, n) +-1 at the end; first_hit (runs,) the sweep (1-based) at which the monitor
    first returned True (-1: never; None without a monitor); hit_states (runs, n) the states at
    that sweep (the final states for runs that never hit; None without a monitor); energies
    (sweeps, runs) or None; colors: number of parallel groups per sweep; sweeps: sweeps run."""

    states: Tensor
    first_hit: Tensor | None
    hit_states: Tensor | None
    energies: Tensor | None
    colors: int
    sweeps: int


class _Group(NamedTuple):
    start: int
    stop: int
    rows: Tensor  # sparse CSR (stop - start, n) in the permuted numbering
    higher: tuple[tuple[Tensor, Tensor, Tensor], ...]  # (target row in group, others (P, k-1), weight)


class Plan(NamedTuple):
    order: Tensor  # permuted position -> original index
    groups: tuple[_Group, ...]
    biases: Tensor  # (n, 1) permuted


def clamp_vector(size: int, clamp: dict[int, int] | None) -> np.ndarray:
    """(n,) of 0 (free) or +-1 (clamped value) from {index: +-1}."""
    values = np.zeros(size, dtype=np.int64)
    for index, value in (clamp or {}).items():
        if not 0 <= int(index) < size:
            raise RfspinError(f"clamp index {index}: must be in 0..{size - 1}")
        if value not in (-1, 1):
            raise RfspinError(f"clamp value {value!r} for p-bit {index}: must be -1 or +1")
        values[int(index)] = value
    return values


def compile_plan(network: PbitNetwork, scheme: str = "coloured", clamp: dict[int, int] | None = None,
                 colors: np.ndarray | None = None) -> Plan:
    """Renumber the p-bits by update group and slice J into per-group CSR blocks."""
    if scheme not in SCHEMES:
        raise RfspinError(f"update scheme {scheme!r}: must be one of {SCHEMES}")
    n = network.size
    clamped = clamp_vector(n, clamp) != 0
    free = np.flatnonzero(~clamped)
    if scheme == "sequential":
        group_of = np.full(n, -1, dtype=np.int64)
        group_of[free] = np.arange(len(free))
    else:
        group_of = color_network(network) if colors is None else np.asarray(colors, dtype=np.int64)
        group_of = np.where(clamped, -1, group_of)
    key = np.where(group_of < 0, np.iinfo(np.int64).max, group_of)
    order = np.argsort(key, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    sorted_groups = group_of[order]
    rows, cols, vals = network.pair_arrays()
    import scipy.sparse as sp

    permuted = sp.csr_matrix((vals, (position[rows], position[cols])), shape=(n, n))
    permuted.sort_indices()
    device, dtype = network.device, network.dtype
    higher = [(position[idx.cpu().numpy()], wt) for idx, wt in network.terms]
    groups = []
    bounds = np.flatnonzero(np.diff(np.concatenate([[-2], sorted_groups])) != 0)
    for k, start in enumerate(bounds):
        if sorted_groups[start] < 0:
            break
        stop = int(bounds[k + 1]) if k + 1 < len(bounds) else n
        block = permuted[start:stop]
        rows_t = csr_tensor(block, dtype, device)
        parts = []
        for idx, wt in higher:
            for p in range(idx.shape[1]):
                hit = np.flatnonzero((idx[:, p] >= start) & (idx[:, p] < stop))
                if len(hit):
                    others = np.delete(idx[hit], p, axis=1)
                    parts.append((torch.as_tensor(idx[hit, p] - start, device=device),
                                  torch.as_tensor(others, device=device), wt[torch.as_tensor(hit, device=wt.device)]))
        groups.append(_Group(int(start), stop, rows_t, tuple(parts)))
    biases = network.biases[torch.as_tensor(order, device=device)].reshape(n, 1)
    return Plan(torch.as_tensor(order, device=device), tuple(groups), biases)


def _group_field(group: _Group, plan: Plan, m: Tensor) -> Tensor:
    field = group.rows @ m
    field += plan.biases[group.start:group.stop]
    for target, others, weight in group.higher:
        contribution = m[others].prod(1) * weight[:, None]  # (P, runs)
        field.index_add_(0, target, contribution)
    return field


def sample(network: PbitNetwork, schedule: AnnealingSchedule, *, runs: int, generator: torch.Generator,
           pbit: IdealPbit | JunctionPbit = IDEAL_PBIT, scheme: str = "coloured",
           clamp: dict[int, int] | None = None, initial: Tensor | None = None, monitor: Monitor | None = None,
           stop_when_all_hit: bool = False, record_energy: bool = False, plan: Plan | None = None,
           progress=None) -> SampleResult:
    """Run ``runs`` independent p-bit chains through ``schedule``.

    ``initial`` (runs, n) of +-1 (default: uniform random); ``monitor(states) -> (runs,) bool``
    is called after every sweep on the states (runs, n) in the original numbering and its first
    True per run is recorded; ``stop_when_all_hit`` ends early once every run has hit.
    ``progress``: an optional callable(sweeps_done) (e.g. a tqdm update).
    """
    if runs < 1:
        raise RfspinError(f"runs = {runs}: must be >= 1")
    device, dtype, n = network.device, network.dtype, network.size
    plan = plan or compile_plan(network, scheme, clamp)
    fixed = torch.as_tensor(clamp_vector(n, clamp), dtype=dtype, device=device)
    if initial is None:
        draw = torch.rand((runs, n), generator=generator, device=generator.device).to(device)
        initial = torch.where(draw < 0.5, -1.0, 1.0).to(dtype)
    elif initial.shape != (runs, n):
        raise RfspinError(f"initial states: shape {tuple(initial.shape)}, expected ({runs}, {n})")
    initial = torch.where(fixed != 0, fixed, initial.to(device, dtype))
    m = initial[:, plan.order].T.contiguous()  # (n, runs), permuted
    tensors = junction_tensors(pbit.junction, device=device, dtype=dtype) if isinstance(pbit, JunctionPbit) else None
    inverse = torch.empty_like(plan.order)
    inverse[plan.order] = torch.arange(n, device=device)
    ideal = isinstance(pbit, IdealPbit)
    largest = max((g.stop - g.start for g in plan.groups), default=0)
    above = torch.empty((largest, runs), dtype=torch.bool, device=device)
    first_hit = None if monitor is None else torch.full((runs,), -1, dtype=torch.int64, device=device)
    hit_states = None if monitor is None else torch.zeros((runs, n), dtype=dtype, device=device)
    energies = []
    done = 0
    for sweep, beta in enumerate(schedule.betas(), start=1):
        for group in plan.groups:
            drive = _group_field(group, plan, m)
            target = m[group.start:group.stop]
            if ideal:  # m = sgn(tanh(beta I) - r), in place: the hot loop of big networks
                drive.mul_(beta * pbit.gain).tanh_()
                r = torch.rand(drive.shape, generator=generator, device=generator.device, dtype=dtype).to(device)
                r.mul_(2.0).sub_(1.0)
                torch.gt(drive, r, out=above[: drive.shape[0]])
                target.copy_(above[: drive.shape[0]]).mul_(2.0).sub_(1.0)
                continue
            drive *= beta
            p_up = probability_up(drive, pbit, target, tensors)
            u = torch.rand(p_up.shape, generator=generator, device=generator.device, dtype=dtype).to(device)
            target.copy_(torch.where(u < p_up, 1.0, -1.0))
        done = sweep
        if progress is not None:
            progress(1)
        if monitor is not None or record_energy:
            states = m[inverse].T
            if record_energy:
                energies.append(energy(network, states))
            if monitor is not None:
                hit = monitor(states) & (first_hit < 0)
                first_hit[hit] = sweep
                hit_states[hit] = states[hit]
                if stop_when_all_hit and bool((first_hit >= 0).all()):
                    break
    states = m[inverse].T.contiguous()
    if hit_states is not None:
        hit_states[first_hit < 0] = states[first_hit < 0]
    return SampleResult(states, first_hit, hit_states, torch.stack(energies) if energies else None, len(plan.groups), done)
