"""Devices in time: oscillator-steps/s and junction-steps/s of rfspin beside cmtj, NumPy and torchsde.

One run, ``--threads`` (default 2) torch/NumPy threads, float32:

- ``rfspin``: :func:`rfspin.dynamics.simulate_oscillators`, ROSS2023 oscillators at 3 I_th with
  thermal noise (300 K), stochastic Heun (Stratonovich), dt = 10 ns, no trace; 1, 1,000 and
  100,000 oscillators (one batch);
- ``numpy loop``: the same stochastic Heun step in plain vectorised NumPy (float32, one Python
  iteration per step), over a shorter window (its cost per step is constant);
- ``torchsde``: ``torchsde.sdeint`` on the same SDE (Stratonovich, diagonal noise, method
  "heun", fixed dt = 10 ns, state (oscillators, 2)), over a shorter window;
- ``cmtj``: its single-junction spin-torque oscillator (one STT free layer, 300 K, Heun solver,
  dt = 0.1 ps as macrospin LLG needs) in junction-steps per second;
- junctions: :func:`benchmarks.dynamics_junction_bench.run` (superparamagnetic junctions).

Each figure is the best of ``REPEATS`` timed runs after a warm-up; the machine may be shared, so
the load average is printed beside the table and per-CPU-second rates are given too.

    python benchmarks/bench_dynamics.py [--threads 2] [--sizes 1 1000 100000] [--no-junctions]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

# idle OpenMP threads sleep instead of spinning: on a shared machine spinning threads steal the
# cores the working ones need (set before torch loads its OpenMP runtime; an explicit setting wins)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

from rfspin.dynamics import (
    ROSS2023_OSCILLATOR,
    OscillatorSimConfig,
    simulate_oscillators,
)
from rfspin.dynamics.junction_params import BOLTZMANN_CONSTANT

PARAMS = ROSS2023_OSCILLATOR
CURRENT = 3 * PARAMS.threshold_current
DT = 10e-9
STEPS = {1: 5_000, 1000: 2_000, 100_000: 200}
BASELINE_STEPS = {1: 500, 1000: 500, 100_000: 200}
REPEATS = 3


def _best(measure, repeats=REPEATS):
    """(wall s, cpu s) of the fastest of ``repeats`` calls of measure()."""
    runs = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        measure()
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    return min(runs)


def time_rfspin(n: int, steps: int):
    current = torch.full((n,), CURRENT)
    config = OscillatorSimConfig(duration=steps * DT, time_step=DT, record_every=None)
    generator = torch.Generator().manual_seed(0)
    simulate_oscillators(PARAMS, current, OscillatorSimConfig(duration=20 * DT, time_step=DT, record_every=None),
                         generator=generator)
    return _best(lambda: simulate_oscillators(PARAMS, current, config, generator=generator))


def _coefficients():
    zeta = CURRENT / PARAMS.threshold_current
    g = PARAMS.damping_rate
    noise = math.sqrt(g * BOLTZMANN_CONSTANT * PARAMS.temperature / PARAMS.oscillation_energy_scale)
    return g * (zeta - 1), g * (zeta + PARAMS.nonlinear_damping), PARAMS.nonlinear_frequency_shift_rad, noise


def time_numpy(n: int, steps: int):
    a0, a1, shift, noise = _coefficients()
    q = PARAMS.nonlinear_damping
    rng = np.random.default_rng(0)
    f32 = np.float32

    def drift(re, im):
        p = re * re + im * im
        gain = f32(a0) - f32(a1) * p
        det = f32(shift) * p
        return gain * re + det * im, gain * im - det * re, p

    def loop():
        re = np.full(n, math.sqrt(0.4), dtype=f32)
        im = np.zeros(n, dtype=f32)
        scale = f32(noise * math.sqrt(DT))
        for _ in range(steps):
            w_re = rng.standard_normal(n, dtype=f32) * scale
            w_im = rng.standard_normal(n, dtype=f32) * scale
            d1r, d1i, p1 = drift(re, im)
            b1 = np.sqrt(f32(1) + f32(q) * p1)
            pr, pi = re + f32(DT) * d1r + b1 * w_re, im + f32(DT) * d1i + b1 * w_im
            d2r, d2i, p2 = drift(pr, pi)
            b = f32(0.5) * (b1 + np.sqrt(f32(1) + f32(q) * p2))
            re = re + f32(0.5 * DT) * (d1r + d2r) + b * w_re
            im = im + f32(0.5 * DT) * (d1i + d2i) + b * w_im
        return re, im

    loop()
    return _best(loop)


def time_torchsde(n: int, steps: int):
    import torchsde

    a0, a1, shift, noise = _coefficients()
    q = PARAMS.nonlinear_damping

    class AutoOscillator(torch.nn.Module):
        noise_type, sde_type = "diagonal", "stratonovich"

        def f(self, t, y):
            re, im = y[:, 0], y[:, 1]
            p = re * re + im * im
            gain, det = a0 - a1 * p, shift * p
            return torch.stack((gain * re + det * im, gain * im - det * re), 1)

        def g(self, t, y):
            p = (y * y).sum(1, keepdim=True)
            return (noise * torch.sqrt(1 + q * p)).expand(-1, 2)

    sde = AutoOscillator()
    y0 = torch.zeros(n, 2)
    y0[:, 0] = math.sqrt(0.4)
    ts = torch.tensor([0.0, steps * DT])

    def solve():
        with torch.no_grad():
            torchsde.sdeint(sde, y0, ts, method="heun", dt=DT, adaptive=False)

    solve()
    return _best(solve)


def time_cmtj(seconds: float = 20e-9, dt: float = 1e-13):
    """(wall s, cpu s, steps) of cmtj's single-junction STO (macrospin LLG with STT, 300 K, Heun)."""
    from cmtj import (
        AxialDriver,
        CVector,
        Junction,
        Layer,
        NullDriver,
        SolverMode,
        constantDriver,
    )

    def solve():
        demag = [CVector(0, 0, 0), CVector(0, 0, 0), CVector(0, 0, 1)]
        layer = Layer.createSTTLayer(id="free", mag=CVector(0.1, 0.1, 0.99), anis=CVector(0, 0, 1), Ms=1.0,
                                     thickness=1.4e-9, cellSurface=math.pi * 35e-9**2, demagTensor=demag,
                                     damping=0.01, SlonczewskiSpacerLayerParameter=1.0, beta=0.0,
                                     spinPolarisation=0.6)
        layer.setReferenceLayer(CVector(1, 0, 0))
        junction = Junction([layer], 100, 200)
        junction.setLayerAnisotropyDriver("free", constantDriver(300e3))
        junction.setLayerCurrentDriver("free", constantDriver(-1e11))
        junction.setLayerExternalFieldDriver("all", AxialDriver(NullDriver(), NullDriver(), constantDriver(200e3)))
        junction.setLayerTemperatureDriver("free", constantDriver(300.0))
        junction.runSimulation(seconds, dt, 1e-11, solverMode=SolverMode.Heun)

    wall, cpu = _best(solve)
    return wall, cpu, round(seconds / dt)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 1000, 100_000])
    parser.add_argument("--no-junctions", action="store_true", help="skip the junction benchmark")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    wall, cpu, steps = time_cmtj()
    cmtj_rate, cmtj_cpu = steps / wall, steps / cpu
    rows = []
    for n in args.sizes:
        steps, base = STEPS.get(n, max(50, 2_000_000 // n)), BASELINE_STEPS.get(n, max(20, 200_000 // n))
        row = {"n": n}
        for name, timer, count in (("rfspin", time_rfspin, steps), ("numpy", time_numpy, base),
                                   ("torchsde", time_torchsde, base)):
            w, c = timer(n, count)
            row[name], row[name + "_cpu"] = n * count / w, n * count / c
        rows.append(row)
        print(f"  {n:>7,} oscillators done", file=sys.stderr, flush=True)
    load = os.getloadavg()
    print(f"\nSpin-torque oscillators (ROSS2023 at 3 I_th, 300 K noise, stochastic Heun, dt = 10 ns), "
          f"{args.threads} thread(s), float32, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'oscillators':>11} {'rfspin':>10} {'numpy loop':>11} {'torchsde':>10} {'vs numpy':>9} "
          f"{'vs torchsde':>12} {'vs cmtj':>8}   per CPU-s: {'rfspin':>9} {'numpy':>9} {'torchsde':>9} "
          f"{'vs cmtj':>8}")
    for r in rows:
        print(f"{r['n']:>11,} {r['rfspin']:>10.3g} {r['numpy']:>11.3g} {r['torchsde']:>10.3g} "
              f"{r['rfspin'] / r['numpy']:>8.1f}x {r['rfspin'] / r['torchsde']:>11.1f}x "
              f"{r['rfspin'] / cmtj_rate:>7.1f}x   {'':>10} {r['rfspin_cpu']:>9.3g} {r['numpy_cpu']:>9.3g} "
              f"{r['torchsde_cpu']:>9.3g} {r['rfspin_cpu'] / cmtj_cpu:>7.1f}x")
    print(f"cmtj single-junction STO (macrospin LLG + STT, 300 K, Heun, dt = 0.1 ps): {cmtj_rate:.3g} junction-steps/s "
          f"({cmtj_cpu:.3g} per CPU-s)")
    print("(oscillator-steps per wall-clock second unless marked CPU-s; target at 1e5: >= 5e7 and >= 100x cmtj)")
    if not args.no_junctions:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from dynamics_junction_bench import run as run_junctions

        run_junctions(args.threads, tuple(args.sizes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
