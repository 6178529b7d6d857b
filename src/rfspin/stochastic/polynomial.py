"""Pseudo-Boolean polynomials: binary (x in {0, 1}) and spin (s in {-1, +1}) energies as dicts.

A polynomial is a ``dict`` mapping a sorted tuple of variable indices (a monomial; ``()`` is the
constant) to its coefficient. Products reduce with x^2 = x (binary) or s^2 = 1 (spin). The change
of variables x = (1 + s) / 2 turns a binary energy of order k into a spin energy of order <= k:

    prod_{i in S} x_i = 2^-|S| sum_{T subset of S} prod_{i in T} s_i

These are small, exact (integer or dyadic) Python objects for building Ising Hamiltonians of
logic circuits; :func:`rfspin.stochastic.network.network_from_polynomial` compiles one to tensors.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

__all__ = [
    "Polynomial",
    "binary_to_spin",
    "evaluate",
    "linear",
    "poly_add",
    "poly_mul",
    "poly_order",
    "poly_scale",
    "poly_variables",
]

Polynomial = dict  # tuple[int, ...] -> float


def _reduce(monomial: Iterable[int], domain: str) -> tuple[int, ...]:
    if domain == "binary":
        return tuple(sorted(set(monomial)))
    odd = set()
    for i in monomial:  # s_i^2 = 1: keep the indices that appear an odd number of times
        odd ^= {i}
    return tuple(sorted(odd))


def poly_add(*polys: Polynomial) -> Polynomial:
    """Sum of polynomials (zero coefficients dropped)."""
    out: Polynomial = {}
    for p in polys:
        for mono, c in p.items():
            out[mono] = out.get(mono, 0) + c
    return {m: c for m, c in out.items() if c != 0}


def poly_scale(p: Polynomial, factor: float) -> Polynomial:
    return {m: c * factor for m, c in p.items() if c * factor != 0}


def poly_mul(a: Polynomial, b: Polynomial, domain: str = "binary") -> Polynomial:
    """Product of two polynomials in ``domain`` ("binary": x^2 = x, "spin": s^2 = 1)."""
    out: Polynomial = {}
    for (ma, ca), (mb, cb) in itertools.product(a.items(), b.items()):
        mono = _reduce(ma + mb, domain)
        out[mono] = out.get(mono, 0) + ca * cb
    return {m: c for m, c in out.items() if c != 0}


def linear(coefficients: dict[int, float], constant: float = 0) -> Polynomial:
    """sum_i c_i v_i + constant."""
    out = {(i,): c for i, c in coefficients.items() if c != 0}
    if constant:
        out[()] = constant
    return out


def binary_to_spin(p: Polynomial) -> Polynomial:
    """The same energy in spins: substitute x_i = (1 + s_i) / 2 in every monomial."""
    out: Polynomial = {}
    for mono, c in p.items():
        weight = c / 2 ** len(mono)
        for k in range(len(mono) + 1):
            for subset in itertools.combinations(mono, k):
                out[subset] = out.get(subset, 0) + weight
    return {m: c for m, c in out.items() if c != 0}


def evaluate(p: Polynomial, values) -> float:
    """The polynomial at ``values`` (a sequence indexed by variable)."""
    total = 0
    for mono, c in p.items():
        term = c
        for i in mono:
            term *= values[i]
        total += term
    return total


def poly_order(p: Polynomial) -> int:
    """Largest monomial size (0 for a constant)."""
    return max((len(m) for m in p), default=0)


def poly_variables(p: Polynomial) -> set[int]:
    return {i for mono in p for i in mono}
