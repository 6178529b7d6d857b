"""torch.compile on rfspin's RF networks: train-step time eager vs compiled, and the compile time.

What is compiled is the unchecked engine walk ``model.forward_powers`` (the inputs are checked once
per batch, outside, by ``model.input_powers``: no host synchronisation inside the compiled graph).
The train step is forward + cross-entropy + backward + Adam on the drone network 256-128-10 at
batch 256 (``--sizes`` for another shape). Each mode runs in its own subprocess; the first
(compiling) step is reported apart from the median of the following ``--steps`` steps.

Usage::

    python benchmarks/bench_compile.py [--device cpu] [--threads 2] [--steps 10] [--backend inductor]
        [--sizes 256,128,10] [--batch 256] [--json OUT]

Inductor needs a C++ compiler on the CPU (Triton on a GPU); when compiling fails, the error is
printed and the benchmark reports the eager time only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def run_mode(args) -> dict:
    import torch
    import torch.nn.functional as F

    from rfspin.device import resolve_device
    from rfspin.nn import build_rf_network

    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    model = build_rf_network(sizes, seed=0, readout_scale=1e-2).to(device)
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(args.batch, sizes[0], generator=gen).to(device)
    y = torch.randint(0, sizes[-1], (args.batch,), generator=gen).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    forward = model.forward_powers
    if args.mode == "compiled":
        forward = torch.compile(model.forward_powers, backend=args.backend)

    def step():
        powers = model.input_powers(x)  # the one check of the batch, outside the compiled graph
        loss = F.cross_entropy(forward(powers) / model.readout_scale, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        model.project_()
        if device.type == "cuda":
            torch.cuda.synchronize()

    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"mode": args.mode, "device": str(device), "first_step_s": first,
            "ms_per_step": 1e3 * times[len(times) // 2], "threads": torch.get_num_threads()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--backend", default="inductor")
    p.add_argument("--sizes", default="256,128,10")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--json", default=None)
    p.add_argument("--mode", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args)))
        return 0
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    results = {}
    for mode in ("eager", "compiled"):
        cmd = [sys.executable, __file__, "--mode", mode, "--device", args.device, "--threads", str(args.threads),
               "--steps", str(args.steps), "--backend", args.backend, "--sizes", args.sizes,
               "--batch", str(args.batch)]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(args.threads)})
        if proc.returncode != 0:
            print(f"{mode}: failed ({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode})")
            continue
        results[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"RF network {args.sizes.replace(',', '-')}, batch {args.batch}, device {args.device}, {args.threads} threads, "
          f"backend {args.backend}, median of {args.steps} steps; load average before: {load}")
    for r in results.values():
        print(f"{r['mode']:<9} first step {r['first_step_s']:8.2f} s   then {r['ms_per_step']:9.2f} ms/step")
    if len(results) == 2:
        e, c = results["eager"], results["compiled"]
        print(f"compiled / eager step time: {c['ms_per_step'] / e['ms_per_step']:.2f}x "
              f"(compile cost {c['first_step_s'] - e['first_step_s']:.1f} s, paid once per process)")
    if args.json:
        from rfspin.fileio import atomic_write_json

        atomic_write_json(args.json, {"benchmark": "compile", "results": results, "load_average_before": load})
    return 0 if "eager" in results else 1


if __name__ == "__main__":
    sys.exit(main())
