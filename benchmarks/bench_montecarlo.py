"""Monte-Carlo over chip instances: rfspin's path vs today's (before issue 14) vs a Python loop over chips.

Every chip has its own resonance frequencies (programming error sigma = 0.5 % of f_r by default),
so every chip's weights are rebuilt: 128 x 256 x 256 + 10 x 128 x 128 lineshape terms per chip
for the drone 256-128-10 network. Both paths evaluate the drone test set (298 samples) on the
same chips (same static draws) and must give the same accuracies.

- vectorised: rfspin.tasks.robustness.monte_carlo_accuracy with its defaults (cache-sized chunks
  of chips on a CPU, every chip's weights from the fused numba kernel
  rfspin.nonideal.fused_weights);
- today: the same function as it was before issue 14 (``fused=False``, the exact blocked tensor
  kernel rfspin.physics.chain_kernel ``method="exact"`` with the compiled chain kernels switched
  off, as they did not exist then, 256 MiB chunks); the ratio
  today / vectorised is the Monte-Carlo speed-up. A third run of the new path with today's
  chunk size draws the same chips as today's: their accuracies must be identical, chip by chip;
- loop: a Python loop over chips, each chip's weights rebuilt with the direct broadcast
  implementation rfspin.physics.resonator.chain_weights_direct, then the same forward (same
  chips as today's first chunk).

Times are reported as process CPU time (robust on a shared machine) and wall time. Each mode
runs in its own subprocess so that its peak resident memory (ru_maxrss, minus the
memory after loading) is its own. The baseline runs --baseline-chips chips and is reported per
chip (and extrapolated to --chips). Usage::

    python benchmarks/bench_montecarlo.py RUN_DIR [--chips 1000] [--baseline-chips 100] [--threads 1] [--device cpu]

RUN_DIR is a drone run folder (``rfspin train --task drone --out RUN_DIR``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _setup(run_dir: str, threads: int, sigma_percent: float, device: str = "cpu"):
    import torch

    torch.set_num_threads(threads)
    from rfspin.nonideal import PRESETS, with_setting
    from rfspin.tasks import load_run_model, task_for

    meta = json.load(open(f"{run_dir}/metrics.json"))
    data = task_for(meta["task"]).load(meta["seed"], None)
    model = load_run_model(run_dir, device).eval()
    cfg = with_setting(PRESETS["ideal"], "programming_error.relative_sigma_percent", sigma_percent)
    return torch, model, data, cfg


def run_vectorised(args) -> dict:
    torch, model, data, cfg = _setup(args.run_dir, args.threads, args.sigma, args.device)
    from rfspin.device import make_generator
    from rfspin.nn.resonator_layer import set_kernel_method
    from rfspin.tasks.robustness import (
        CPU_CHUNK_BYTES,
        DEFAULT_CHUNK_BYTES,
        chips_per_chunk,
        monte_carlo_accuracy,
    )

    today = args.mode == "today"
    device = model.input_power.device
    budget = CPU_CHUNK_BYTES if device.type == "cpu" and not today else DEFAULT_CHUNK_BYTES
    chunk = args.chunk or chips_per_chunk(model, len(data.y_test), budget)
    if args.mode == "same-chips":  # the new path on today's chunks: the same chips as today's
        chunk = chips_per_chunk(model, len(data.y_test), DEFAULT_CHUNK_BYTES)
    if today:  # the exact kernel as it was then: the blocked tensor passes (no compiled chain kernels yet)
        from rfspin.physics import chain_kernel_numba

        chain_kernel_numba._kernels = lambda: None
        set_kernel_method(model, "exact")
    monte_carlo_accuracy(model, cfg, data.x_test, data.y_test, 1, make_generator(device, 0),
                         fused=not today)  # warm-up: one-time JIT compilation (cached on disk) and allocations
    rss0 = _rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    acc = monte_carlo_accuracy(model, cfg, data.x_test, data.y_test, args.chips, make_generator(device, 0),
                               chunk_chips=chunk, fused=not today)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _rss_mib() - rss0
    profile = []
    if args.profile:
        from torch.profiler import profile as prof

        with prof() as p:
            monte_carlo_accuracy(model, cfg, data.x_test, data.y_test, chunk, make_generator(device, 0),
                                 chunk_chips=chunk, fused=not today)
        total = sum(e.self_cpu_time_total for e in p.key_averages())
        profile = [(e.key, round(100 * e.self_cpu_time_total / total, 1))
                   for e in sorted(p.key_averages(), key=lambda e: -e.self_cpu_time_total)[:8]]
    return {"mode": args.mode, "chips": args.chips, "chunk": chunk, "time_s": wall, "cpu_s": cpu,
            "peak_extra_mib": peak, "accuracies": acc.tolist(), "profile": profile}


def run_loop(args) -> dict:
    torch, model, data, cfg = _setup(args.run_dir, args.threads, args.sigma, args.device)
    from rfspin.device import make_generator
    from rfspin.nn.chip import sample_static
    from rfspin.nn.oscillator_layer import OscillatorLayer
    from rfspin.physics.resonator import chain_weights_direct
    from rfspin.tasks.robustness import chips_per_chunk

    n = args.baseline_chips
    chunk = args.chunk or chips_per_chunk(model, len(data.y_test))  # today's chunks
    if n > chunk:
        raise SystemExit(f"--baseline-chips {n}: at most one chunk ({chunk}) so both modes use the same chips")
    x_test, y_test = data.x_test.to(model.input_power.device), data.y_test.to(model.input_power.device)
    static = sample_static(model, cfg, chunk, make_generator(model.input_power.device, 0))  # today's first chunk
    rss0 = _rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    accs = []
    with torch.no_grad():
        for c in range(n):  # the Python loop over chips
            x, freqs = x_test * model.input_power, model.resonator_layers[0].tone_frequencies
            for i, layer in enumerate(model.layers):
                if isinstance(layer, OscillatorLayer):
                    freqs, x = layer(x)
                    continue
                f = layer.resonance_frequencies() * static.layers[i].frequency_factor[c]
                w = chain_weights_direct(freqs, f, layer.signs, layer.sensitivity, layer.damping,
                                         layer.antisymmetric_weight, layer.symmetric_weight)
                x = x @ w.T + layer.bias_voltage()
            accs.append(float((x.argmax(-1) == y_test).float().mean()))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"mode": "loop", "chips": n, "time_s": wall, "cpu_s": cpu,
            "peak_extra_mib": _rss_mib() - rss0, "accuracies": accs}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("run_dir")
    p.add_argument("--chips", type=int, default=1000)
    p.add_argument("--baseline-chips", type=int, default=100)
    p.add_argument("--chunk", type=int, default=None)
    p.add_argument("--sigma", type=float, default=0.5, help="programming error, %% of f_r")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (all modes run there)")
    p.add_argument("--mode", choices=("vectorised", "today", "same-chips", "loop"), default=None, help=argparse.SUPPRESS)
    p.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.mode:
        print(json.dumps(run_loop(args) if args.mode == "loop" else run_vectorised(args)))
        return 0
    results, loads = {}, {}
    for mode in ("vectorised", "today", "same-chips", "loop"):
        loads[mode] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        cmd = [sys.executable, __file__, args.run_dir, "--mode", mode, "--chips", str(args.chips),
               "--baseline-chips", str(args.baseline_chips), "--sigma", str(args.sigma), "--threads", str(args.threads),
               "--device", args.device, *(["--chunk", str(args.chunk)] if args.chunk else []),
               *(["--profile"] if mode == "vectorised" else [])]
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
        results[mode] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True,
                                                  env=env).stdout.splitlines()[-1])
    vec, today, same, loop = (results[m] for m in ("vectorised", "today", "same-chips", "loop"))
    n = loop["chips"]
    for r in results.values():
        r["per_chip_s"], r["per_chip_cpu_s"] = r["time_s"] / r["chips"], r["cpu_s"] / r["chips"]
    same_diff = max(abs(a - b) for a, b in zip(same["accuracies"], today["accuracies"]))
    loop_diff = max(abs(a - b) for a, b in zip(today["accuracies"][:n], loop["accuracies"]))
    print(f"drone 256-128-10, test set 298 samples, programming error {args.sigma} % of f_r, {args.threads} thread(s), "
          f"device {args.device}; load average before each mode: {loads}")
    for name, r in (("vectorised (now)", vec), ("today (exact kernel, before issue 14)", today)):
        print(f"{name}: {r['chips']} chips in {r['time_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU "
              f"({1e3 * r['per_chip_cpu_s']:.2f} ms CPU/chip), chunk {r['chunk']} chips, "
              f"peak extra memory {r['peak_extra_mib']:.0f} MiB")
    print(f"loop (chain_weights_direct): {n} chips in {loop['time_s']:.2f} s wall, {loop['cpu_s']:.2f} s CPU "
          f"({1e3 * loop['per_chip_cpu_s']:.1f} ms CPU/chip; {loop['per_chip_cpu_s'] * vec['chips']:.1f} s CPU "
          f"extrapolated to {vec['chips']}), peak extra memory {loop['peak_extra_mib']:.0f} MiB")
    print(f"speed-up now / today: {today['per_chip_cpu_s'] / vec['per_chip_cpu_s']:.1f}x in CPU time, "
          f"{today['per_chip_s'] / vec['per_chip_s']:.1f}x in wall time (shared machine)  (target >= 3x)")
    print(f"speed-up now / loop: {loop['per_chip_cpu_s'] / vec['per_chip_cpu_s']:.1f}x in CPU time")
    print(f"same chips (today's chunks): max |accuracy now - today| over {today['chips']} chips: {same_diff:.2e}; "
          f"max |accuracy today - loop| over {n} chips: {loop_diff:.2e}")
    mean = sum(vec["accuracies"]) / len(vec["accuracies"])
    print(f"mean accuracy over {vec['chips']} chips: {100 * mean:.2f} %")
    print("where the time goes (vectorised, one chunk, % of self CPU time of torch ops; the fused kernel is not one):")
    for key, pct in vec["profile"]:
        print(f"  {pct:5.1f} %  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
