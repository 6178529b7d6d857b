"""The batched telegraph simulator against theory: statistical tests with explicit confidence bounds.

Every bound is computed from the sample size; where several quantities are checked in one test
the level is split between them (Bonferroni), so each test holds at >= 99 % as a whole. Runs
are float64 with fixed seeds.
"""

from dataclasses import replace

import pytest
import torch
from scipy import stats

from rfspin.dynamics import (
    JunctionParams,
    PiecewiseCurrent,
    TelegraphConfig,
    antiparallel_probability_after,
    junction_tensors,
    mean_dwell_times,
    mean_state,
    relaxation_rate,
    simulate_telegraph,
    switching_rate,
    transition_probabilities,
)

F64 = torch.float64
#: A fast, well-behaved test junction: Delta = 5 (balanced dwell tau_c = 148 ns), I_c0 = 100 uA.
J = JunctionParams.from_thermal_stability(5.0, critical_current=100e-6)
TAU_C = J.balanced_dwell_time
#: Currents with Delta x = -1 .. 1 (<m> from -0.76 to 0.76, tau_AP / tau_P up to e^2).
CURRENTS = torch.tensor([-20e-6, -10e-6, 0.0, 10e-6, 20e-6], dtype=F64)
TRIALS = 100
WINDOW = 200 * TAU_C


def _z(alpha: float) -> float:
    """Two-sided normal quantile."""
    return stats.norm.ppf(1 - alpha / 2)


@pytest.fixture(scope="module", params=["steps", "events"])
def population(request):
    """One run per method: TRIALS x 5 currents for 200 tau_c, dwell times collected."""
    tau_p, tau_ap = mean_dwell_times(CURRENTS, J)
    dt = 0.002 * float(torch.minimum(tau_p, tau_ap).min())  # discretisation bias <= K dt / 2 = 0.2 %
    config = TelegraphConfig(duration=WINDOW, time_step=dt, record_every=None, method=request.param,
                             collect_dwell_times=True)
    result = simulate_telegraph(J, CURRENTS, config, generator=torch.Generator().manual_seed(8), trials=TRIALS)
    return request.param, result


def test_mean_dwell_times_within_5_percent_with_99_percent_confidence(population):
    method, result = population
    tau_theory = mean_dwell_times(CURRENTS, J)
    time_p = (result.duration - result.time_antiparallel).sum(0)
    exits_p = result.exits_from_parallel.sum(0)
    exits_ap = result.switches.sum(0) - exits_p
    alpha = 0.01 / (2 * len(CURRENTS))  # family-wise 99 % over 2 states x 5 currents
    for time_in, exits, theory in ((time_p, exits_p, tau_theory[0]), (result.time_antiparallel.sum(0), exits_ap,
                                                                      tau_theory[1])):
        for t, n, tau in zip(time_in.tolist(), exits.tolist(), theory.tolist()):
            # exact CI of an exponential mean from a time-truncated record: chi-square with 2n / 2n + 2 dof
            low = 2 * t / stats.chi2.ppf(1 - alpha / 2, 2 * n + 2)
            high = 2 * t / stats.chi2.ppf(alpha / 2, 2 * n)
            estimate = t / n
            assert (high - low) / 2 < 0.05 * estimate, f"{method}: sample too small for a 5 % bound ({n} dwells)"
            assert low <= tau <= high, f"{method}: tau {tau:.4g} outside the 99 % CI [{low:.4g}, {high:.4g}]"


def test_time_averaged_state_follows_the_sigmoid(population):
    method, result = population
    theory = mean_state(CURRENTS, J)
    # variance of a telegraph time average over T >> 1/K: 2 (1 - m^2) / (K T), per trial
    se = torch.sqrt(2 * (1 - theory**2) / (relaxation_rate(CURRENTS, J) * result.duration) / TRIALS)
    assert bool((se < 0.02).all()), "the sample resolves the sigmoid to better than 0.02"
    z = _z(0.01 / len(CURRENTS))
    deviation = (result.mean_state.mean(0) - theory).abs()
    assert bool((deviation <= z * se).all()), f"{method}: {deviation.tolist()} vs bound {(z * se).tolist()}"
    assert torch.allclose(theory, torch.tanh(J.thermal_stability * CURRENTS / J.critical_current))


def test_switching_rate_is_the_bell_of_theory(population):
    method, result = population
    tau_p, tau_ap = mean_dwell_times(CURRENTS, J)
    theory = switching_rate(CURRENTS, J)
    # renewal theory: Var N(T) = 4 T (tau_P^2 + tau_AP^2) / (tau_P + tau_AP)^3 per trial
    se = torch.sqrt(4 * (tau_p**2 + tau_ap**2) / (tau_p + tau_ap) ** 3 / result.duration / TRIALS)
    z = _z(0.01 / len(CURRENTS))
    measured = result.switching_rate.mean(0)
    assert bool(((measured - theory).abs() <= z * se).all()), f"{method}: {(measured / theory).tolist()}"
    assert int(torch.argmax(measured)) == 2, "the peak sits at the operating point"
    # the bell's flanks are resolved: neighbours differ by more than both bounds together
    assert bool((measured[2] - measured[[1, 3]] > 2 * z * se[2]).all())


def test_dwell_times_are_exponential(population):
    method, result = population
    dwell = result.dwell_times
    current_of = dwell.antiparallel_junction % len(CURRENTS)
    sample = dwell.antiparallel[current_of == 3].numpy()  # AP at +10 uA
    tau = mean_dwell_times(CURRENTS[3:4], J)[1].item()
    assert sample.size > 5000
    assert stats.kstest(sample, "expon", args=(0, tau)).pvalue > 0.01, "KS test at the 1 % level"
    # the test has power at this sample size: a 10 % wrong mean is rejected
    assert stats.kstest(sample, "expon", args=(0, 1.1 * tau)).pvalue < 0.01
    assert dwell.parallel.numel() + dwell.antiparallel.numel() == int(result.switches.sum())
    assert dwell.parallel.numel() == int(result.exits_from_parallel.sum())


@pytest.mark.parametrize("method", ["steps", "events"])
def test_sampled_chain_has_the_exact_transition_probabilities_at_a_coarse_step(method):
    """At dt = tau_c / 2 the exact P(P -> AP) = pi_AP (1 - e^{-K dt}) differs from 1 - e^{-dt / tau_P}."""
    dt = 0.5 * TAU_C
    config = TelegraphConfig(duration=400 * dt, time_step=dt, record_every=1, method=method, max_step_fraction=1.0)
    current = torch.tensor([0.0, 10e-6], dtype=F64)
    result = simulate_telegraph(J, current, config, generator=torch.Generator().manual_seed(2), trials=200)
    trace = result.trace
    before, after = trace[:-1], trace[1:]
    exact = transition_probabilities(current, dt, J)
    naive = [1 - torch.exp(-dt / t) for t in mean_dwell_times(current, J)]
    z = _z(0.01 / 4)
    for state, exact_p, naive_p in ((False, exact[0], naive[0]), (True, exact[1], naive[1])):
        n = (before == state).sum((0, 1)).to(F64)
        moved = ((before == state) & (after != state)).sum((0, 1)).to(F64)
        estimate = moved / n
        se = torch.sqrt(exact_p * (1 - exact_p) / n)
        assert bool(((estimate - exact_p).abs() <= z * se).all()), (estimate, exact_p)
        assert bool(((estimate - naive_p).abs() > z * se).all()), "the first-order formula would be rejected"


@pytest.mark.parametrize("method", ["steps", "events"])
def test_piecewise_current_transient_matches_the_master_equation(method):
    """All junctions start in P; +20 uA for 3 tau_c, then -20 uA: P(AP) at each record vs theory."""
    dt = 0.01 * TAU_C
    segment = 300 * dt
    values = torch.tensor([[20e-6], [-20e-6]], dtype=F64)
    config = TelegraphConfig(duration=2 * segment, time_step=dt, record_every=50, method=method, max_step_fraction=0.1)
    trials = 4000
    result = simulate_telegraph(J, PiecewiseCurrent(values, segment), config,
                                generator=torch.Generator().manual_seed(3), trials=trials, initial_antiparallel=False)
    times = result.record_times
    fraction = result.trace[..., 0].to(F64).mean(1)
    first = times <= segment
    theory = torch.empty_like(times)
    theory[first] = antiparallel_probability_after(times[first], values[0], False, J)
    at_switch = antiparallel_probability_after(torch.tensor(segment, dtype=F64), values[0], False, J)
    theory[~first] = antiparallel_probability_after(times[~first] - segment, values[1], at_switch, J)
    se = torch.sqrt(theory * (1 - theory) / trials).clamp(min=1e-3)
    z = _z(0.01 / len(times))
    assert bool(((fraction - theory).abs() <= z * se).all()), (fraction - theory) / se


def test_bookkeeping_invariants_and_reproducibility():
    dt = 0.01 * TAU_C
    config = TelegraphConfig(duration=500 * dt, time_step=dt, record_every=1, collect_dwell_times=True)
    current = torch.tensor([-10e-6, 0.0, 10e-6], dtype=torch.float32)  # float32 inputs are fine
    g = torch.Generator().manual_seed(4)
    initial = torch.tensor([[True], [False]])  # broadcast over the 3 devices, 2 trials
    r = simulate_telegraph(J, current, config, generator=g, trials=2, initial_antiparallel=initial)
    assert r.trace.shape == (500, 2, 3) and r.switches.shape == (2, 3) and r.n_steps == 500
    assert torch.equal(r.trace[-1], r.final_antiparallel)
    # time in AP counts the states at the start of each step, the trace the states at their ends
    ap_steps = torch.round(r.time_antiparallel / dt).long()
    start = initial.expand(2, 3).long()
    assert torch.equal(r.trace.long().sum(0), ap_steps - start + r.final_antiparallel.long())
    flips = (r.trace[1:] != r.trace[:-1]).sum(0) + (r.trace[0] != initial.expand(2, 3))
    assert torch.equal(flips, r.switches)
    again = simulate_telegraph(J, current, config, generator=torch.Generator().manual_seed(4), trials=2,
                               initial_antiparallel=initial)
    assert torch.equal(again.trace, r.trace)
    other = simulate_telegraph(J, current, config, generator=torch.Generator().manual_seed(5), trials=2,
                               initial_antiparallel=initial)
    assert not torch.equal(other.trace, r.trace)


def test_per_device_parameters_shift_the_operating_points():
    offsets = torch.tensor([-20e-6, 0.0, 20e-6], dtype=F64)
    barriers = J.barrier_energy * torch.tensor([1.0, 1.2, 0.8], dtype=F64)
    params = junction_tensors(J, offset_current=offsets, barrier_energy=barriers)
    dt = 0.002 * TAU_C
    config = TelegraphConfig(duration=100 * TAU_C, time_step=dt, record_every=None, method="events")
    r = simulate_telegraph(params, 0.0, config, generator=torch.Generator().manual_seed(6), trials=50)
    assert r.mean_state.shape == (50, 3)
    theory = mean_state(torch.zeros(3, dtype=F64), params)
    se = torch.sqrt(2 * (1 - theory**2) / (relaxation_rate(torch.zeros(3, dtype=F64), params) * r.duration) / 50)
    assert bool(((r.mean_state.mean(0) - theory).abs() <= _z(0.01 / 3) * se).all())
    assert theory[0] > 0.5 and theory[2] < -0.5


def _config(**kw):
    return TelegraphConfig(**{"duration": 100 * TAU_C, "time_step": 0.01 * TAU_C, **kw})


@pytest.mark.parametrize("make, match", [
    (lambda: _config(duration=-1.0), "duration"),
    (lambda: _config(duration=float("nan")), "duration"),
    (lambda: _config(time_step=0.0), "time_step"),
    (lambda: _config(time_step="1e-9"), "time_step"),
    (lambda: _config(time_step=1.0), "time_step"),
    (lambda: _config(record_every=0), "record_every"),
    (lambda: _config(record_every=10**9), "record_every"),
    (lambda: _config(method="euler"), "method"),
    (lambda: _config(max_step_fraction=2.0), "max_step_fraction"),
    (lambda: PiecewiseCurrent(torch.zeros(2, 3, dtype=torch.long), 1e-9), "floating"),
    (lambda: PiecewiseCurrent(torch.zeros(2, 3), -1e-9), "segment_duration"),
])
def test_invalid_settings_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("current, match", [
    (torch.tensor([0.0, float("nan")]), "NaN"),
    (torch.tensor([float("inf")]), "NaN or inf"),
    (float("-inf"), "finite"),
    (torch.tensor([1, 2]), "floating"),
])
def test_invalid_currents_are_rejected(current, match):
    with pytest.raises(ValueError, match=match):
        simulate_telegraph(J, current, _config(), generator=torch.Generator())


def test_time_step_rule_names_the_limit():
    tau_p, tau_ap = mean_dwell_times(torch.tensor([20e-6], dtype=F64), J)
    tau_min = min(tau_p.item(), tau_ap.item())
    limit = r"must be <= 0.02 x the shortest mean dwell time .*reached at current 2e-05 A"
    with pytest.raises(ValueError, match=limit):
        simulate_telegraph(J, torch.tensor([0.0, 20e-6]), _config(time_step=0.05 * tau_min),
                           generator=torch.Generator())
    simulate_telegraph(J, 20e-6, _config(time_step=0.05 * tau_min, method="events"), generator=torch.Generator())


def test_waveform_resolution_and_length_rules():
    config = _config(duration=10 * TAU_C, time_step=0.01 * TAU_C)
    g = torch.Generator()
    with pytest.raises(ValueError, match="does not resolve"):
        simulate_telegraph(J, PiecewiseCurrent(torch.zeros(2000, 1), 0.005 * TAU_C), config, generator=g)
    with pytest.raises(ValueError, match="does not resolve"):
        simulate_telegraph(J, PiecewiseCurrent(torch.zeros(2000, 1), 0.015 * TAU_C), config, generator=g)
    with pytest.raises(ValueError, match="shorter than duration"):
        simulate_telegraph(J, PiecewiseCurrent(torch.zeros(5, 1), TAU_C), config, generator=g)


def test_other_bad_arguments():
    g = torch.Generator()
    with pytest.raises(TypeError, match="Generator"):
        simulate_telegraph(J, 0.0, _config(), generator=0)
    with pytest.raises(ValueError, match="trials"):
        simulate_telegraph(J, 0.0, _config(), generator=g, trials=0)
    with pytest.raises(TypeError, match="bool"):
        simulate_telegraph(J, 0.0, _config(), generator=g, initial_antiparallel=torch.tensor([1.0]))
    with pytest.raises(ValueError, match="broadcast"):
        simulate_telegraph(replace(J), torch.zeros(3), _config(), generator=g,
                           initial_antiparallel=torch.ones(2).bool())
    with pytest.raises(TypeError, match="TelegraphConfig"):
        simulate_telegraph(J, 0.0, {"duration": 1.0}, generator=g)
    per_device = junction_tensors(J, offset_current=torch.zeros(4, dtype=F64))
    with pytest.raises(ValueError, match="do not broadcast"):
        simulate_telegraph(per_device, torch.zeros(3), _config(), generator=g)
    with pytest.raises(ValueError, match="temperature"):  # tensors built by hand are validated too
        simulate_telegraph(per_device._replace(temperature=torch.tensor(-1.0)), 0.0, _config(), generator=g)


def test_progress_bar_runs_and_changes_nothing(capsys):
    config = _config(record_every=7)
    quiet = simulate_telegraph(J, 0.0, config, generator=torch.Generator().manual_seed(0), trials=3)
    loud = simulate_telegraph(J, 0.0, config, generator=torch.Generator().manual_seed(0), trials=3, progress=True)
    assert torch.equal(quiet.trace, loud.trace)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_runs_on_cuda():
    g = torch.Generator(device="cuda").manual_seed(0)
    current = torch.linspace(-20e-6, 20e-6, 5, device="cuda")
    r = simulate_telegraph(J, current, _config(record_every=10, collect_dwell_times=True), generator=g, trials=20)
    assert r.trace.device.type == "cuda" and r.switches.device.type == "cuda"
    assert bool((r.mean_state.mean(0).cpu().diff() > 0).all())
