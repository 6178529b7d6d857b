"""p-bits and their samplers: the junction sigmoid, Boltzmann statistics of Gibbs sweeps and of
physical-time updates, colourings, clamping, schedules and factorization.

Statistical bounds: total-variation distances between an empirical distribution of N samples
over K states and the exact one stay below sqrt(K / N) with probability > 99 % (the expected TV
is about 0.4 sqrt(K / N)); fixed seeds make each test deterministic."""

from __future__ import annotations

import dataclasses
import itertools
import math

import networkx as nx
import numpy as np
import pytest
import torch

from rfspin.dynamics import JunctionParams, antiparallel_probability
from rfspin.errors import RfspinError
from rfspin.stochastic import (
    AnnealingSchedule,
    IdealPbit,
    JunctionPbit,
    color_network,
    decode_factors,
    energy,
    factor_problem,
    ising_network,
    probability_up,
    run_factor,
    sample,
    simulate_physical_time,
)
from rfspin.stochastic.pbit import junction_current


def _small_network(dtype=torch.float32):
    """4 p-bits: pairwise couplings, biases and one 3-body term (frustrated)."""
    return ising_network(4, [[0, 1], [1, 2], [2, 3], [0, 3]], [0.6, -0.4, 0.5, 0.3], [0.2, -0.1, 0.0, 0.3],
                         {3: ([[0, 1, 2]], [0.7])}, dtype=dtype)


def _boltzmann(network, beta):
    states = torch.tensor(list(itertools.product((-1.0, 1.0), repeat=network.size)), dtype=network.dtype)
    weights = torch.exp(-beta * energy(network, states).double())
    return states, weights / weights.sum()


def _tv_distance(samples, network, beta):
    states, exact = _boltzmann(network, beta)
    codes = ((samples > 0).long() * (2 ** torch.arange(network.size - 1, -1, -1))).sum(1)
    counts = torch.bincount(codes, minlength=len(states)).double()
    return 0.5 * float((counts / counts.sum() - exact).abs().sum()), len(states)


def test_junction_pbit_is_the_junction_sigmoid():
    drive = torch.linspace(-3, 3, 61, dtype=torch.float64)
    linear = JunctionPbit()
    assert linear.gain == pytest.approx(1.0)
    torch.testing.assert_close(probability_up(drive, linear), probability_up(drive, IdealPbit()))
    quadratic = JunctionPbit(dataclasses.replace(JunctionParams(), barrier_exponent=2.0))
    p = probability_up(drive, quadratic)
    current = junction_current(drive, quadratic)
    torch.testing.assert_close(p, antiparallel_probability(current, quadratic.junction))
    assert float((p - probability_up(drive, IdealPbit(quadratic.gain))).abs().max()) > 0.01  # not a tanh
    assert bool((p.diff() > 0).all())


def test_sticky_junction_remembers_its_state():
    slow = JunctionPbit(read_interval=1e-5)  # 1 % of the 1 ms dwell time
    drive = torch.zeros(2)
    p = probability_up(drive, slow, previous=torch.tensor([1.0, -1.0]))
    assert float(p[0]) > 0.98 and float(p[1]) < 0.02


@pytest.mark.parametrize("scheme", ["coloured", "sequential"])
@pytest.mark.parametrize("pbit", [IdealPbit(), JunctionPbit()])
def test_gibbs_sweeps_sample_boltzmann(scheme, pbit):
    net = _small_network()
    beta = 0.8
    result = sample(net, AnnealingSchedule(30, beta), runs=4000, generator=torch.Generator().manual_seed(5),
                    pbit=pbit, scheme=scheme)
    tv, k = _tv_distance(result.states, net, beta)
    assert tv < math.sqrt(k / 4000)


def test_physical_time_reaches_boltzmann():
    fast = JunctionPbit(JunctionParams.from_thermal_stability(3.0))  # dwell ~ 20 ns
    net = _small_network(torch.float64)
    result = simulate_physical_time(net, fast, duration=1e-6, runs=2000, generator=torch.Generator().manual_seed(2),
                                    beta=0.8)
    assert bool((result.time == 1e-6).all()) and float(result.events.float().mean()) > 25
    tv, k = _tv_distance(result.states, net, 0.8)
    assert tv < math.sqrt(k / 2000)


def test_physical_time_refuses_ideal_pbits():
    with pytest.raises(RfspinError, match="junction"):
        simulate_physical_time(_small_network(), IdealPbit(), duration=1e-6, runs=2,
                               generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("method", ["greedy", "parallel"])
def test_colourings_are_proper(method):
    graph = nx.random_regular_graph(3, 200, seed=1)
    net = ising_network(200, np.array(graph.edges()), biases=None, terms={4: ([[0, 50, 100, 150]], [1.0])})
    colors = color_network(net, method)
    edges = np.array(graph.edges())
    assert not np.any(colors[edges[:, 0]] == colors[edges[:, 1]])
    assert len(set(colors[[0, 50, 100, 150]].tolist())) == 4
    assert colors.max() < 12


def test_clamped_pbits_keep_their_values():
    net = _small_network()
    result = sample(net, AnnealingSchedule(5, 1.0), runs=50, generator=torch.Generator().manual_seed(0),
                    clamp={1: -1, 3: 1})
    assert bool((result.states[:, 1] == -1).all()) and bool((result.states[:, 3] == 1).all())
    with pytest.raises(RfspinError, match="clamp value"):
        sample(net, AnnealingSchedule(1), runs=1, generator=torch.Generator(), clamp={0: 0})


def test_annealing_schedules():
    geo = AnnealingSchedule(3, 0.1, 10.0, "geometric", cycles=2)
    assert geo.betas() == pytest.approx([0.1, 1.0, 10.0] * 2)
    assert AnnealingSchedule(4, 2.0).betas() == [2.0] * 4
    for bad in [{"sweeps": 0}, {"sweeps": 3, "shape": "cubic"}, {"sweeps": 2, "beta_start": -1.0},
                {"sweeps": 2, "beta_start": 0.0, "beta_end": 1.0, "shape": "geometric"}]:
        with pytest.raises(RfspinError):
            AnnealingSchedule(**bad)
    with pytest.raises(dataclasses.FrozenInstanceError):
        geo.sweeps = 5


def test_borders_945_with_junction_pbits():
    problem = factor_problem(945, x_bits=6, y_bits=4)
    assert problem.free_pbits == 8
    result, x, y = run_factor(problem, runs=30, generator=torch.Generator().manual_seed(0))
    assert bool((result.first_hit > 0).all())
    assert bool(((x == 63) & (y == 15)).all())


def test_multiplier_factors_15():
    problem = factor_problem(15, method="multiplier", x_bits=3, y_bits=3)
    result, x, y = run_factor(problem, runs=20, generator=torch.Generator().manual_seed(1))
    solved = result.first_hit > 0
    assert float(solved.float().mean()) >= 0.8
    assert set(zip(x[solved].tolist(), y[solved].tolist())) <= {(3, 5), (5, 3)}


@pytest.mark.parametrize("number, message", [
    (944, "even"), (947, "prime"), (1, "no factorization"), (-15, "positive"), (9.5, "integer"),
    ("abc", "integer"), (0, "no factorization"),
])
def test_bad_numbers(number, message):
    with pytest.raises(RfspinError, match=message):
        factor_problem(number)


def test_number_beyond_the_multiplier_names_the_size_needed():
    with pytest.raises(RfspinError, match="needs 9 x 5 bits"):
        factor_problem(945, x_bits=4, y_bits=3)


def test_decode_factors():
    problem = factor_problem(945, x_bits=6, y_bits=4)
    states = -torch.ones(1, 8)
    states[0, :5] = 1  # X = 63
    states[0, 6] = 1  # Y = 1 + 4 = 5
    x, y = decode_factors(problem, states)
    assert (int(x), int(y)) == (63, 5)
