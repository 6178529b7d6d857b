"""Oscillator reservoir, ridge readout and echo-state baseline: analytic references and invariants."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge

from rfspin.device import make_generator
from rfspin.dynamics.oscillator import noise_intensity
from rfspin.dynamics.oscillator_params import TORREJON2017_VORTEX
from rfspin.errors import RfspinError
from rfspin.oscillatory.esn import EchoStateConfig, run_echo_state
from rfspin.oscillatory.readout import fit_ridge_readout
from rfspin.oscillatory.reservoir import (
    ReservoirConfig,
    make_mask,
    reservoir_trace,
    run_reservoir,
    steps_per_node,
)

P = TORREJON2017_VORTEX
G = P.damping_rate
Q = P.nonlinear_damping


def _p0(zeta):
    return (zeta - 1) / (zeta + Q)


def test_readout_equals_sklearn_ridge():
    rng = np.random.default_rng(0)
    utterances = [rng.normal(size=(rng.integers(3, 9), 6)) for _ in range(40)]
    labels = rng.integers(0, 3, size=40)
    readout = fit_ridge_readout(utterances, labels, 3, alphas=(1e-2,))
    x = np.concatenate(utterances)
    y = np.concatenate([np.eye(3)[np.full(len(u), c)] for u, c in zip(utterances, labels)])
    ref = Ridge(alpha=readout.alpha).fit(x, y)
    np.testing.assert_allclose(readout.weights, ref.coef_.T, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(readout.intercept, ref.intercept_, rtol=1e-8, atol=1e-10)


def test_readout_classifies_by_frame_sum_and_validates():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(4, 5)) * 3
    labels = np.repeat(np.arange(4), 10)
    utterances = [centres[c] + rng.normal(size=(6, 5)) for c in labels]
    readout = fit_ridge_readout(utterances, labels, 4)
    assert readout.accuracy(utterances, labels) == 1.0 and readout.cv_accuracy >= 0.9
    with pytest.raises(RfspinError, match="labels must lie"):
        fit_ridge_readout(utterances, labels + 1, 4)


def test_mask_is_fixed_binary():
    m = make_mask(5, 40, seed=3)
    assert torch.equal(m, make_mask(5, 40, seed=3))
    np.testing.assert_allclose(m.abs().numpy(), 1 / math.sqrt(5))
    assert not torch.equal(m, make_mask(5, 40, seed=4))


def test_node_states_follow_the_exact_power_transient():
    """T = 0: a constant current step from p0(zeta_b) relaxes like the logistic solution of
    dp/dt = 2 G_G p ((zeta - 1) - (zeta + Q) p) (the power equation, phase-free)."""
    config = ReservoirConfig(nodes=20, input_scaling=0.4, temperature=0.0, steps_per_node=40)
    frame = np.ones((1, 3))  # every virtual neuron gets the same masked input only if the mask agrees
    mask = make_mask(3, 20, config.seed).numpy()
    u = frame @ mask
    states = run_reservoir([frame], P, config, dtype=torch.float64)[0][0]
    theta = config.node_time(P)
    zeta_b = config.bias_current_ratio
    p = _p0(zeta_b)
    expected = []
    for k in range(20):
        zeta = min(zeta_b * (1 + config.input_scaling * u[0, k]), config.max_current_ratio)
        r, p_inf = 2 * G * (zeta - 1), _p0(zeta)
        p = p_inf / (1 + (p_inf / p - 1) * math.exp(-r * theta))
        expected.append(p)
    np.testing.assert_allclose(states, expected, rtol=2e-4)


def test_batching_and_padding_do_not_change_states():
    rng = np.random.default_rng(2)
    utts = [rng.normal(size=(n, 4)).astype(np.float32) for n in (2, 5, 3)]
    config = ReservoirConfig(nodes=12, temperature=0.0)
    together = run_reservoir(utts, P, config, dtype=torch.float64)
    for u, s in zip(utts, together):
        alone = run_reservoir([u], P, config, dtype=torch.float64)[0]
        assert s.shape == (len(u), 12)
        np.testing.assert_allclose(s, alone, rtol=1e-5, atol=1e-7)


def test_thermal_power_fluctuations_match_linear_theory():
    """Constant current, T = 300 K: linearised about p0, amplitude deviations relax at 2 G_p
    (like the power's, G_p = G_G (zeta - 1)) and each real noise component has intensity D(p0), so
    the radial amplitude is Ornstein-Uhlenbeck with var = D / (4 G_p) and var(p) = 4 p0 var(a)
    = p0 D / G_p. 200 utterances x 25 samples, 3 relaxation times apart (correlation e^-3):
    the sample variance has a relative standard error of ~2 %, nonlinear corrections are of order
    the relative fluctuation squared (~2 %): a 15 % bound holds with > 99 % probability."""
    config = ReservoirConfig(nodes=5, input_scaling=0.0, temperature=300.0, theta_fraction=3.0, steps_per_node=12,
                             bias_current_ratio=1.5, max_current_ratio=2.0)
    frames = [np.zeros((6, 2), dtype=np.float32)] * 200
    states = np.stack(run_reservoir(frames, P, config, generator=make_generator("cpu", 5), dtype=torch.float64))
    late = states[:, 1:, :].reshape(-1)
    zeta = config.bias_current_ratio
    p0 = _p0(zeta)
    d = float(noise_intensity(torch.tensor(p0), P))
    theory = p0 * d / (G * (zeta - 1))
    assert abs(late.mean() - p0) < 0.02 * p0
    assert abs(late.var() / theory - 1) < 0.15


def test_noise_needs_a_generator_and_configs_validate():
    with pytest.raises(RfspinError, match="Generator"):
        run_reservoir([np.zeros((2, 3))], P, ReservoirConfig(nodes=4))
    with pytest.raises(RfspinError, match="divisible"):
        ReservoirConfig(nodes=10, oscillators=3)
    with pytest.raises(RfspinError, match="bias_current_ratio"):
        ReservoirConfig(bias_current_ratio=0.5)
    # a coarse request is refined: dt x the fastest power relaxation stays <= 0.5
    coarse = ReservoirConfig(nodes=4, theta_fraction=5.0, steps_per_node=1, temperature=0.0)
    rate = P.damping_rate * 2 * (coarse.max_current_ratio - 1)
    assert coarse.node_time(P) / steps_per_node(P, coarse) * rate <= 0.5
    with pytest.raises(RfspinError, match="NaN"):
        run_reservoir([np.full((2, 3), np.nan)], P, ReservoirConfig(nodes=4, temperature=0.0))


def test_several_oscillators_uncoupled_and_coupled():
    rng = np.random.default_rng(3)
    utts = [rng.normal(size=(3, 4)) for _ in range(2)]
    single = ReservoirConfig(nodes=8, temperature=0.0)
    split = replace(single, oscillators=2)
    a = run_reservoir(utts, P, split, dtype=torch.float64)
    assert a[0].shape == (3, 8)
    # K independent oscillators with N/K nodes each: every oscillator sees its own half of the mask
    assert not np.allclose(a[0], run_reservoir(utts, P, single, dtype=torch.float64)[0])
    coupled = run_reservoir(utts, P, replace(split, coupling=0.5), dtype=torch.float64)
    assert coupled[0].shape == (3, 8) and np.all(np.isfinite(coupled[0]))
    assert not np.allclose(coupled[0], a[0], rtol=1e-3)


def test_trace_marks_node_samples():
    config = ReservoirConfig(nodes=6, temperature=0.0)
    frame = np.random.default_rng(4).normal(size=(2, 3))
    trace = reservoir_trace(frame, P, config)
    states = run_reservoir([frame], P, replace(config, steps_per_node=6), dtype=torch.float64)[0]
    np.testing.assert_allclose(trace["node_power"], states.ravel(), rtol=1e-6)
    assert len(trace["time_s"]) == 2 * 6 * 6


def test_echo_state_network_is_bounded_and_seeded():
    rng = np.random.default_rng(5)
    utts = [rng.normal(size=(n, 3)) for n in (4, 7)]
    a = run_echo_state(utts, EchoStateConfig(nodes=30, seed=1))
    b = run_echo_state(utts, EchoStateConfig(nodes=30, seed=1))
    assert a[1].shape == (7, 30) and np.all(np.abs(a[1]) < 1)
    np.testing.assert_array_equal(a[0], b[0])
    # the first utterance's states do not depend on the padding behind it
    np.testing.assert_allclose(a[0], run_echo_state(utts[:1], EchoStateConfig(nodes=30, seed=1))[0], atol=1e-6)
