"""Superparamagnetic junctions in time: junction-steps per second, rfspin vs a plain NumPy loop.

Two scenarios of N junctions of the Mizrahi 2018 preset, float32 currents, time step at the
limit the "steps" rule allows (0.02 x the shortest mean dwell time):

- ``population``: currents spread evenly over +-40 uA (time-averaged states from -0.98 to
  +0.98, a tuning-curve population); the fastest junction switches with probability ~0.02 per
  step, the population on average ~0.0013;
- ``balanced``: every junction at its operating point (I = I_off): all switch with probability
  ~0.02 per step, the most switching the rule allows (the worst case for rfspin, whose cost
  grows with the number of switches; the NumPy loop's cost does not depend on it).

Every method keeps per-junction switch counts and time spent in AP; no trace unless stated.

- ``rfspin steps``: ``simulate_telegraph(method="steps")``, the exact discrete-time chain
  (per-step switching probabilities), drawing the geometric number of steps to each switch;
- ``+trace/10``: the same, recording every 10th step (a bool trace);
- ``events``: ``method="events"`` (continuous time, exponential dwell times): effective
  junction-steps/s = the same window in steps x N / time;
- ``numpy loop``: the plain baseline, one uniform draw + compare + select + xor per junction
  and step (``np.random.default_rng``, float32), over a shorter window (its cost per step is
  constant), with the same exact per-step probabilities.

Each figure is the best of ``REPEATS`` timed runs after a warm-up (the machine is shared), in
junction-steps per wall-clock second; the rows also hold junction-steps per CPU second (process
time of all threads, less sensitive to other people's load).

``run(threads, sizes)`` returns one dict per (scenario, size) and prints a table with the ratio of
rfspin steps to the NumPy loop; ``bench_dynamics.py`` calls it. Standalone::

    python benchmarks/dynamics_junction_bench.py [--threads 2] [--sizes 1 1000 100000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from rfspin.dynamics import (
    MIZRAHI2018_JUNCTION,
    TelegraphConfig,
    mean_dwell_times,
    simulate_telegraph,
    transition_probabilities,
)

#: Simulated steps per size for the rfspin methods (about 1e9 junction-steps at 1e5 junctions).
STEPS = {1: 2_000_000, 1000: 200_000, 100_000: 10_000}
#: Wall-time budget of one NumPy-loop repeat per size [s] (its rate per step is constant).
NUMPY_SECONDS = 1.0
#: Timed repeats per measurement; the best is reported (the machine is shared, so the others are
#: the slow tail of other people's load, as with timeit).
REPEATS = 3
#: Current span of the population [A] and the step rule's fraction.
CURRENT_SPAN = 40e-6
STEP_FRACTION = 0.02
SCENARIOS = ("population", "balanced")


def _junctions(scenario: str, n: int) -> tuple[torch.Tensor, float]:
    """(currents (n,) float32 [A], time step [s] at the limit of the steps rule)."""
    if scenario == "population" and n > 1:
        current = torch.linspace(-CURRENT_SPAN, CURRENT_SPAN, n, dtype=torch.float32)
    else:
        current = torch.full((n,), MIZRAHI2018_JUNCTION.offset_current, dtype=torch.float32)
    tau_p, tau_ap = mean_dwell_times(current.double(), MIZRAHI2018_JUNCTION)
    return current, STEP_FRACTION * float(torch.minimum(tau_p, tau_ap).min())


def _time_rfspin(
    current, dt: float, steps: int, method: str, record_every: int | None
) -> tuple[float, float, float, float]:
    """(best wall seconds, its CPU seconds, switches per junction-step, mean <m>) of simulate_telegraph."""
    config = TelegraphConfig(duration=steps * dt, time_step=dt, record_every=record_every, method=method)
    generator = torch.Generator().manual_seed(0)
    simulate_telegraph(MIZRAHI2018_JUNCTION, current, TelegraphConfig(
        duration=min(steps, 1000) * dt, time_step=dt, method=method), generator=generator)  # warm-up
    times = []
    for _ in range(REPEATS):
        start, cpu = time.perf_counter(), time.process_time()
        result = simulate_telegraph(MIZRAHI2018_JUNCTION, current, config, generator=generator)
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    wall, cpu = min(times)
    return wall, cpu, float(result.switches.sum()) / (steps * current.numel()), float(result.mean_state.mean())


def _time_numpy(current, dt: float, max_steps: int) -> tuple[float, float, int, float, float]:
    """(wall s, CPU s, steps run, switches per junction-step, mean <m>) of the plain NumPy loop (best repeat)."""
    best = None
    for seed in range(REPEATS):
        run = _numpy_loop(current, dt, max_steps, seed)
        if best is None or run[2] / run[0] > best[2] / best[0]:
            best = run
    return best


def _numpy_loop(current, dt: float, max_steps: int, seed: int) -> tuple[float, float, int, float, float]:
    to_ap, to_p = transition_probabilities(current.double(), dt, MIZRAHI2018_JUNCTION)
    p_p, p_ap = to_ap.numpy().astype(np.float32), to_p.numpy().astype(np.float32)
    n = current.numel()
    rng = np.random.default_rng(seed)
    state = rng.random(n) < 0.5
    switches = np.zeros(n, dtype=np.int64)
    steps_ap = np.zeros(n, dtype=np.int64)
    start, cpu = time.perf_counter(), time.process_time()
    steps = 0
    while steps < max_steps and (steps % 256 or time.perf_counter() - start < NUMPY_SECONDS):
        flip = rng.random(n, dtype=np.float32) < np.where(state, p_ap, p_p)
        state ^= flip
        switches += flip
        steps_ap += state
        steps += 1
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return wall, cpu, steps, switches.sum() / (steps * n), float((2 * steps_ap / steps - 1).mean())


def run(threads: int, sizes=(1, 1000, 100_000)) -> list[dict]:
    """Measure every method for each scenario and population size on ``threads`` threads; print the rows."""
    torch.set_num_threads(threads)
    rows = []
    for scenario in SCENARIOS:
        for n in sizes:
            current, dt = _junctions(scenario, n)
            steps = STEPS.get(n, max(1000, int(1e9 // n)))
            row = {"scenario": scenario, "junctions": n, "time_step_s": dt, "steps": steps}
            variants = (("steps", "steps", None), ("steps_trace", "steps", 10), ("events", "events", None))
            for label, method, every in variants:
                wall, cpu, per_step, m = _time_rfspin(current, dt, steps, method, every)
                row[f"{label}_junction_steps_per_s"] = steps * n / wall
                row[f"{label}_junction_steps_per_cpu_s"] = steps * n / cpu
                row[f"{label}_switches_per_junction_step"] = per_step
                row[f"{label}_mean_state"] = m
            wall, cpu, np_steps, per_step, m = _time_numpy(current, dt, steps)
            row.update(numpy_junction_steps_per_s=np_steps * n / wall,
                       numpy_junction_steps_per_cpu_s=np_steps * n / cpu, numpy_steps=np_steps,
                       numpy_switches_per_junction_step=per_step, numpy_mean_state=m)
            row["speedup_steps_vs_numpy"] = row["steps_junction_steps_per_s"] / row["numpy_junction_steps_per_s"]
            rows.append(row)
    load = os.getloadavg()
    print(f"\nSuperparamagnetic junctions (Mizrahi 2018 preset, dt = {STEP_FRACTION:g} x shortest dwell), "
          f"{threads} thread(s), float32, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'scenario':>10} {'junctions':>10} {'rfspin steps':>13} {'+trace/10':>10} {'events':>10} "
          f"{'numpy loop':>11} {'steps/numpy':>12} {'switch/step':>12} {'steps/CPU-s':>12} {'numpy/CPU-s':>12}")
    for r in rows:
        print(f"{r['scenario']:>10} {r['junctions']:>10,} {r['steps_junction_steps_per_s']:>13.3g} "
              f"{r['steps_trace_junction_steps_per_s']:>10.3g} {r['events_junction_steps_per_s']:>10.3g} "
              f"{r['numpy_junction_steps_per_s']:>11.3g} {r['speedup_steps_vs_numpy']:>11.1f}x "
              f"{r['steps_switches_per_junction_step']:>12.4f} {r['steps_junction_steps_per_cpu_s']:>12.3g} "
              f"{r['numpy_junction_steps_per_cpu_s']:>12.3g}")
    print("(junction-steps per wall-clock second unless marked CPU-s; events: effective, same window; "
          "switch/step: switches per junction-step)")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 1000, 100_000])
    args = parser.parse_args()
    run(args.threads, tuple(args.sizes))
