"""Invertible Boolean logic: Ising Hamiltonians of gates, a full adder, an N x M multiplier.

Each gate is a penalty energy over binary variables (1 = true) that is 0 on every row of its
truth table and >= 1 elsewhere (Camsari et al., PRX 7, 031014 (2017); Borders et al., Nature 573,
390 (2019); the quadratic penalties are the standard QUBO forms, e.g. Lucas, Front. Phys. 2, 5
(2014)):

    AND   C = A B       : A B - 2 (A + B) C + 3 C
    OR    C = A v B     : A B + (A + B)(1 - 2 C) + C
    NOT   B = not A     : 2 A B - A - B + 1
    XOR   C = A xor B   : (A + B - C - 2 D)^2      (ancilla D = A B)   or, with a 3-body term,
                          (1 + s_A s_B s_C) / 2    (spins s = 2 x - 1)
    half adder A + B       = S + 2 C     : (A + B - S - 2 C)^2
    full adder A + B + Ci  = S + 2 Co    : (A + B + Ci - S - 2 Co)^2

A circuit is the sum of its gates' penalties, so its ground states (energy 0) are exactly the
consistent assignments, whichever bits are clamped: run forwards (clamp inputs), backwards
(clamp outputs: factorization by clamping a multiplier's product) or both. The multiplier forms
the partial products x_i y_j with AND gates and reduces every column of equal weight with full
and half adders (carry-save, Wallace style) until one bit per column is left.

:func:`factor_energy` is Borders' compact form instead: E = (N - X Y)^2 over the free bits of odd
X and Y (least significant bit fixed to 1), a binary polynomial with up to 4-body terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .polynomial import (
    Polynomial,
    binary_to_spin,
    linear,
    poly_add,
    poly_mul,
    poly_scale,
)

__all__ = [
    "GATES",
    "Circuit",
    "Multiplier",
    "and_penalty",
    "build_full_adder",
    "build_gate",
    "build_multiplier",
    "factor_energy",
    "full_adder_penalty",
    "half_adder_penalty",
    "not_penalty",
    "or_penalty",
    "xor_penalty",
    "xor_spin_penalty",
]


def _square(p: Polynomial) -> Polynomial:
    return poly_mul(p, p, "binary")


def and_penalty(a: int, b: int, c: int) -> Polynomial:
    """C = A AND B."""
    return {(min(a, b), max(a, b)): 1, tuple(sorted((a, c))): -2, tuple(sorted((b, c))): -2, (c,): 3}


def or_penalty(a: int, b: int, c: int) -> Polynomial:
    """C = A OR B."""
    return poly_add({(min(a, b), max(a, b)): 1, (a,): 1, (b,): 1, (c,): 1},
                    {tuple(sorted((a, c))): -2, tuple(sorted((b, c))): -2})


def not_penalty(a: int, b: int) -> Polynomial:
    """B = NOT A."""
    return {(min(a, b), max(a, b)): 2, (a,): -1, (b,): -1, (): 1}


def xor_penalty(a: int, b: int, c: int, ancilla: int) -> Polynomial:
    """C = A XOR B, quadratic, with the ancilla D = A AND B."""
    return _square(linear({a: 1, b: 1, c: -1, ancilla: -2}))


def xor_spin_penalty(a: int, b: int, c: int) -> Polynomial:
    """C = A XOR B with one 3-body term, as a binary polynomial: (1 + s_A s_B s_C) / 2."""
    spins = [linear({i: 2}, -1) for i in (a, b, c)]  # s = 2 x - 1
    product = poly_mul(poly_mul(spins[0], spins[1]), spins[2])
    return poly_add(poly_scale(product, 0.5), {(): 0.5})


def half_adder_penalty(a: int, b: int, s: int, carry: int) -> Polynomial:
    """A + B = S + 2 C."""
    return _square(linear({a: 1, b: 1, s: -1, carry: -2}))


def full_adder_penalty(a: int, b: int, carry_in: int, s: int, carry_out: int) -> Polynomial:
    """A + B + C_in = S + 2 C_out."""
    return _square(linear({a: 1, b: 1, carry_in: 1, s: -1, carry_out: -2}))


@dataclass
class Circuit:
    """Named binary variables and the sum of the gate penalties over them."""

    names: list[str] = field(default_factory=list)
    energy: Polynomial = field(default_factory=dict)

    def bit(self, name: str) -> int:
        """Index of a new variable ``name``."""
        if name in self.names:
            raise ValueError(f"variable {name!r} exists already")
        self.names.append(name)
        return len(self.names) - 1

    def index(self, name: str) -> int:
        return self.names.index(name)

    def add(self, penalty: Polynomial) -> None:
        self.energy = poly_add(self.energy, penalty)

    @property
    def size(self) -> int:
        return len(self.names)

    def spin_energy(self) -> Polynomial:
        """The penalty in spins s = 2 x - 1 (x = 1 <-> s = +1)."""
        return binary_to_spin(self.energy)


def build_gate(kind: str) -> Circuit:
    """One gate on variables A, B (inputs; A only for NOT) and C (output; B for NOT)."""
    if kind not in GATES:
        raise ValueError(f"gate {kind!r}: must be one of {sorted(GATES)}")
    c = Circuit()
    if kind == "not":
        a, b = c.bit("A"), c.bit("B")
        c.add(not_penalty(a, b))
        return c
    a, b, out = c.bit("A"), c.bit("B"), c.bit("C")
    if kind == "xor":
        c.add(xor_penalty(a, b, out, c.bit("D")))
    else:
        c.add({"and": and_penalty, "or": or_penalty, "xor3": xor_spin_penalty}[kind](a, b, out))
    return c


#: Truth tables: gate -> function of the input bits giving the output bit.
GATES = {
    "and": lambda a, b: a & b,
    "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
    "xor3": lambda a, b: a ^ b,
    "not": lambda a: 1 - a,
}


def build_full_adder() -> Circuit:
    """A + B + Cin = S + 2 Cout on variables A, B, Cin, S, Cout."""
    c = Circuit()
    idx = [c.bit(n) for n in ("A", "B", "Cin", "S", "Cout")]
    c.add(full_adder_penalty(*idx))
    return c


@dataclass
class Multiplier:
    """An N x M array multiplier: the circuit and where its operands and product live.

    ``product`` lists, for each bit of weight 2^k (k = 0 .. N+M-1), the variable holding it, or
    None where no bit reaches that weight (the product bit is then 0).
    """

    circuit: Circuit
    x_bits: list[int]
    y_bits: list[int]
    product: list[int | None]


def build_multiplier(x_width: int, y_width: int) -> Multiplier:
    """Ising Hamiltonian of P = X Y for an ``x_width``-bit X and a ``y_width``-bit Y."""
    if x_width < 1 or y_width < 1:
        raise ValueError(f"multiplier widths {x_width} x {y_width}: both must be >= 1")
    c = Circuit()
    xs = [c.bit(f"x{i}") for i in range(x_width)]
    ys = [c.bit(f"y{j}") for j in range(y_width)]
    columns: list[list[int]] = [[] for _ in range(x_width + y_width + 1)]
    for i, xi in enumerate(xs):
        for j, yj in enumerate(ys):
            pp = c.bit(f"p{i}_{j}")
            c.add(and_penalty(xi, yj, pp))
            columns[i + j].append(pp)
    adders = 0
    for k in range(len(columns)):
        while len(columns[k]) > 1:  # one bit per column left: the product bit of weight 2^k
            adders += 1
            s, carry = c.bit(f"s{adders}"), c.bit(f"c{adders}")
            if len(columns[k]) >= 3:
                a, b, ci = (columns[k].pop(0) for _ in range(3))
                c.add(full_adder_penalty(a, b, ci, s, carry))
            else:
                a, b = columns[k].pop(0), columns[k].pop(0)
                c.add(half_adder_penalty(a, b, s, carry))
            columns[k].append(s)
            columns[k + 1].append(carry)
    product = [col[0] if col else None for col in columns[: x_width + y_width]]
    return Multiplier(c, xs, ys, product)


def factor_energy(number: int, x_free_bits: int, y_free_bits: int) -> Polynomial:
    """E = (N - X Y)^2 as a binary polynomial (Borders et al. 2019), X and Y odd.

    X = 1 + sum_{i=1..a} 2^i x_i on variables 0 .. a-1 and Y = 1 + sum_{j=1..b} 2^j y_j on
    variables a .. a+b-1. Expanding the square gives terms up to x_i x_k y_j y_l (4-body).
    """
    x = linear({i: 2 ** (i + 1) for i in range(x_free_bits)}, 1)
    y = linear({x_free_bits + j: 2 ** (j + 1) for j in range(y_free_bits)}, 1)
    residual = poly_add({(): number}, poly_scale(poly_mul(x, y), -1))
    return _square(residual)
