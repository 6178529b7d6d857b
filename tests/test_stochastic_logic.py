"""Invertible logic: every gate's ground states are its truth table (exhaustive), the multiplier's
ground states are the products, binary <-> spin polynomials and compiled networks agree."""

from __future__ import annotations

import itertools
import random

import pytest
import torch

from rfspin.stochastic.logic import (
    GATES,
    build_full_adder,
    build_gate,
    build_multiplier,
    factor_energy,
)
from rfspin.stochastic.network import energy, local_fields, network_from_polynomial
from rfspin.stochastic.polynomial import binary_to_spin, evaluate, poly_order


def _all_states(n):
    return list(itertools.product((0, 1), repeat=n))


def _ground_states(circuit):
    table = {bits: evaluate(circuit.energy, bits) for bits in _all_states(circuit.size)}
    low = min(table.values())
    return low, {bits for bits, e in table.items() if e == low}, table


@pytest.mark.parametrize("kind", sorted(GATES))
def test_gate_ground_states_are_the_truth_table(kind):
    circuit = build_gate(kind)
    low, ground, table = _ground_states(circuit)
    assert low == 0
    arity = 1 if kind == "not" else 2
    rows = set()
    for inputs in _all_states(arity):
        out = GATES[kind](*inputs)
        row = inputs + (out,)
        if kind == "xor":  # ancilla D = A AND B
            row = row + (inputs[0] & inputs[1],)
        rows.add(row)
    assert ground == rows
    assert min(e for bits, e in table.items() if bits not in rows) >= 1  # a gap of at least 1


def test_full_adder_ground_states():
    circuit = build_full_adder()
    _, ground, _ = _ground_states(circuit)
    expected = {(a, b, c, (a + b + c) % 2, (a + b + c) // 2) for a, b, c in _all_states(3)}
    assert ground == expected


@pytest.mark.parametrize("widths", [(2, 2), (3, 2)])
def test_multiplier_ground_states_are_products(widths):
    mult = build_multiplier(*widths)
    n = mult.circuit.size
    spin = mult.circuit.spin_energy()
    net = network_from_polynomial(spin, n, dtype=torch.float64)
    states = torch.tensor(_all_states(n), dtype=torch.float64) * 2 - 1
    e = energy(net, states)
    assert float(e.min()) == pytest.approx(0.0, abs=1e-9)
    ground = states[e < 1e-9] > 0
    def value(bits, idx):
        return sum(int(bits[i]) << k for k, i in enumerate(idx) if i is not None)

    products = set()
    for row in ground:
        x, y = value(row, mult.x_bits), value(row, mult.y_bits)
        assert value(row, mult.product) == x * y
        products.add((x, y))
    assert len(ground) == 2 ** sum(widths) == len(products)  # one ground state per input pair


def test_binary_to_spin_is_the_same_energy():
    rng = random.Random(3)
    poly = {tuple(sorted(rng.sample(range(6), k))): rng.randint(-5, 5) for k in range(5) for _ in range(4)}
    spin = binary_to_spin(poly)
    for bits in _all_states(6):
        assert evaluate(spin, [2 * b - 1 for b in bits]) == pytest.approx(evaluate(poly, bits))


def test_factor_energy_is_borders_square_with_four_body_terms():
    poly = factor_energy(945, 5, 3)
    assert poly_order(poly) == 4
    zeros = []
    for bits in _all_states(8):
        x = 1 + sum(b << (i + 1) for i, b in enumerate(bits[:5]))
        y = 1 + sum(b << (j + 1) for j, b in enumerate(bits[5:]))
        assert evaluate(poly, bits) == (945 - x * y) ** 2
        if x * y == 945:
            zeros.append((x, y))
    assert zeros == [(63, 15)]


def test_compiled_network_energy_and_fields_match_the_polynomial():
    spin = binary_to_spin(factor_energy(105, 3, 2))
    net = network_from_polynomial(spin, 5, scale=7.0, dtype=torch.float64)
    states = torch.tensor(_all_states(5), dtype=torch.float64) * 2 - 1
    e = energy(net, states)
    for s, value in zip(states, e):
        assert float(value) == pytest.approx(evaluate(spin, s.tolist()) / 7.0, abs=1e-9)
    fields = local_fields(net, states)
    for i in range(5):  # E(m with m_i flipped) - E(m) = 2 m_i I_i
        flipped = states.clone()
        flipped[:, i] *= -1
        torch.testing.assert_close(energy(net, flipped) - e, 2 * states[:, i] * fields[:, i])


def test_full_adder_runs_backwards_when_its_outputs_are_clamped():
    from rfspin.stochastic import AnnealingSchedule, sample

    circuit = build_full_adder()  # A, B, Cin, S, Cout
    net = network_from_polynomial(circuit.spin_energy(), circuit.size)
    clamp = {3: -1, 4: 1}  # S = 0, Cout = 1: A + B + Cin = 2
    result = sample(net, AnnealingSchedule(60, 0.2, 6.0, "geometric"), runs=300,
                    generator=torch.Generator().manual_seed(4), scheme="sequential", clamp=clamp)
    inputs = (result.states[:, :3] > 0).sum(1)
    assert float((inputs == 2).float().mean()) > 0.95
    rows = {tuple(r) for r in (result.states[inputs == 2, :3] > 0).int().tolist()}
    assert rows == {(1, 1, 0), (1, 0, 1), (0, 1, 1)}  # every preimage is sampled
