"""Integer factorization with p-bits: clamp a product, sample the factors (invertible logic).

Two Hamiltonians:

- "energy" (Borders et al., Nature 573, 390 (2019)): E = (N - X Y)^2 over the free bits of odd
  X and Y (LSB fixed to 1), up to 4-body terms, scaled by N^2 so that E is O(1). X has
  ``x_bits`` bits (``x_bits - 1`` free p-bits), Y ``y_bits``. Default widths: X <= N/3 (the
  largest factor of an odd composite N) and Y <= sqrt(N), which also rules out the trivial
  1 x N. 945 = 63 x 15 with X of 6 bits and Y of 4 bits is the paper's 8-p-bit case.
- "multiplier": the gate-level N x M multiplier of :mod:`.logic` with its product bits clamped
  to N (AND gates and adders, pairwise couplings only, many ancilla p-bits).

A run succeeds at the first sweep whose state is a non-trivial factorization (X, Y > 1, X Y = N);
the annealing schedule re-heats every ``sweeps`` sweeps (``cycles`` ramps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import RfspinError
from ..validation import check_number
from .logic import build_multiplier, factor_energy
from .network import PbitNetwork, network_from_polynomial
from .pbit import BORDERS2019_PBIT, IdealPbit, JunctionPbit
from .polynomial import binary_to_spin
from .sampler import AnnealingSchedule, SampleResult, sample

__all__ = ["FactorProblem", "check_composite", "decode_factors", "default_schedule", "factor_problem", "run_factor"]

#: Largest register width accepted for either factor (2^20 states per register).
MAX_BITS = 20


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, math.isqrt(n) + 1))


def check_composite(number) -> int:
    """``number`` as an int if it is an odd composite > 1, else a one-line RfspinError."""
    if isinstance(number, str):
        try:
            number = int(number, 10)
        except ValueError:
            raise RfspinError(f"N = {number!r}: must be an integer") from None
    n = check_number(number, "N", integer=True)
    if n < 0:
        raise RfspinError(f"N = {n}: must be positive (an odd composite number >= 9)")
    if n <= 1:
        raise RfspinError(f"N = {n}: 0 and 1 have no factorization into two factors > 1")
    if n % 2 == 0:
        raise RfspinError(f"N = {n} is even: factor out 2 first (the p-bit registers hold odd X and Y, "
                          f"e.g. N = {n // 2 ** ((n & -n).bit_length() - 1)})")
    if _is_prime(n):
        raise RfspinError(f"N = {n} is prime: it has no factorization into two factors > 1")
    return n


@dataclass(frozen=True)
class FactorProblem:
    """A clamped factorization network and how to read X and Y from its p-bits."""

    number: int
    method: str
    x_bits: int
    y_bits: int
    network: PbitNetwork
    x_indices: tuple[int, ...]  # p-bit of each X bit, LSB first (-1: fixed to 1)
    y_indices: tuple[int, ...]
    clamp: dict

    @property
    def free_pbits(self) -> int:
        return self.network.size - len(self.clamp)


def factor_problem(number, method: str = "energy", x_bits: int | None = None, y_bits: int | None = None,
                   *, device=None) -> FactorProblem:
    """Validate N and build its p-bit network (see the module docstring)."""
    n = check_composite(number)
    need_x, need_y = (n // 3).bit_length(), math.isqrt(n).bit_length()
    x_bits = need_x if x_bits is None else check_number(x_bits, "x_bits", integer=True, ge=2)
    y_bits = need_y if y_bits is None else check_number(y_bits, "y_bits", integer=True, ge=2)
    if max(x_bits, y_bits) > MAX_BITS:
        raise RfspinError(f"register widths {x_bits} x {y_bits} bits: at most {MAX_BITS} bits each")
    x_max, y_max = 2 ** x_bits - 1, 2 ** y_bits - 1
    divisors = [d for d in range(3, math.isqrt(n) + 1, 2) if n % d == 0]
    if not any((d <= x_max and n // d <= y_max) or (d <= y_max and n // d <= x_max) for d in divisors):
        raise RfspinError(f"N = {n} does not fit a {x_bits} x {y_bits}-bit multiplier: it needs "
                          f"{need_x} x {need_y} bits (X <= N/3, Y <= sqrt(N)); use --x-bits/--y-bits or omit them")
    if method == "energy":
        spin = binary_to_spin(factor_energy(n, x_bits - 1, y_bits - 1))
        network = network_from_polynomial(spin, x_bits + y_bits - 2, scale=float(n) ** 2, device=device)
        x_idx = (-1,) + tuple(range(x_bits - 1))
        y_idx = (-1,) + tuple(range(x_bits - 1, x_bits + y_bits - 2))
        return FactorProblem(n, method, x_bits, y_bits, network, x_idx, y_idx, {})
    if method != "multiplier":
        raise RfspinError(f"method {method!r}: must be 'energy' or 'multiplier'")
    mult = build_multiplier(x_bits, y_bits)
    clamp = {mult.x_bits[0]: 1, mult.y_bits[0]: 1}  # odd factors
    for k, bit in enumerate(mult.product):
        value = (n >> k) & 1
        if bit is None:
            if value:
                raise RfspinError(f"N = {n} does not fit a {x_bits} x {y_bits}-bit multiplier")
            continue
        clamp[bit] = 1 if value else -1
    network = network_from_polynomial(mult.circuit.spin_energy(), mult.circuit.size, device=device)
    return FactorProblem(n, method, x_bits, y_bits, network, tuple(mult.x_bits), tuple(mult.y_bits), clamp)


def decode_factors(problem: FactorProblem, states: Tensor) -> tuple[Tensor, Tensor]:
    """(X, Y) int64 (runs,) read from ``states`` (runs, n) of +-1."""
    bits = (states > 0).long()

    def value(indices):
        total = torch.zeros(states.shape[0], dtype=torch.int64, device=states.device)
        for k, i in enumerate(indices):
            total += (1 if i < 0 else bits[:, i]) << k
        return total

    return value(problem.x_indices), value(problem.y_indices)


def default_schedule(problem: FactorProblem, max_sweeps: int = 5000) -> AnnealingSchedule:
    """Geometric ramps from beta = 1 (the register's top bits flip freely: E is O(1)) to beta where
    the smallest energy gap, 4 / N^2 for (N - X Y)^2 / N^2, costs 3; 50 sweeps a ramp."""
    if problem.method == "energy":
        ramp = 50
        return AnnealingSchedule(ramp, 1.0, 0.75 * problem.number ** 2, "geometric", max(1, max_sweeps // ramp))
    ramp = 200
    return AnnealingSchedule(ramp, 0.2, 5.0, "geometric", max(1, max_sweeps // ramp))


def run_factor(problem: FactorProblem, *, runs: int, generator: torch.Generator,
               pbit: IdealPbit | JunctionPbit = BORDERS2019_PBIT, schedule: AnnealingSchedule | None = None,
               scheme: str = "coloured", progress=None) -> tuple[SampleResult, Tensor, Tensor]:
    """Sample until every run has found a factorization (or the schedule ends).

    Returns (result, X, Y): ``result.first_hit`` is each run's sweeps to solution (-1: none), X
    and Y are read from each run's first solution (its final state if it found none).
    """
    schedule = schedule or default_schedule(problem)

    def solved(states: Tensor) -> Tensor:
        x, y = decode_factors(problem, states)
        return (x * y == problem.number) & (x > 1) & (y > 1)

    result = sample(problem.network, schedule, runs=runs, generator=generator, pbit=pbit, scheme=scheme,
                    clamp=problem.clamp, monitor=solved, stop_when_all_hit=True, progress=progress)
    x, y = decode_factors(problem, result.hit_states)
    return result, x, y
