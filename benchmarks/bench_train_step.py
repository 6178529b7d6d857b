"""Train-step time and peak memory of the drone network 256-128-10 at batch 256.

Four implementations of the same model, each timed in its own subprocess (so peak RSS is its own):
  rf-fast    rfspin's RFNetwork with its default kernel="auto" (the far-field series kernel where
             its proven error bound holds and the cost model expects it to pay, else exact; on
             the CPU with numba, exact at the drone and MNIST sizes);
  rf-exact   the same with kernel="exact": the compiled kernel over every pair (closed-form backward);
  rf-direct  the same equations with the chains x inputs x resonators tensor built in one
             broadcast expression and differentiated by autograd (as the authors' code does);
  linear     nn.Linear + ReLU MLP of the same shape (the software baseline).
The RF variants run under rfspin.nn.kernel_thread_plan, as rfspin's trainer runs them (dense RF
networks on the CPU: compiled kernels split over all threads, torch's own ops on one;
``--no-thread-plan``: torch on all threads). Prints ms per step (forward + backward + Adam), peak
memory above the process's baseline, and ratios measured in the same run, with the load average. Usage:
python benchmarks/bench_train_step.py [--steps 10] [--threads 2] [--sizes 784,300,10] [--json OUT]
(``--json`` also writes the results for tools/make_figures.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
import types

SIZES = (256, 128, 10)
BATCH = 256


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _direct_weights(self, tone_frequencies=None):
    from rfspin.physics.resonator import chain_weights_direct

    return chain_weights_direct(
        self.tone_frequencies, self.resonance_frequencies(), self.signs, self.sensitivity, self.damping,
        self.antisymmetric_weight, self.symmetric_weight,
    )


def run_variant(name: str, steps: int, sizes: tuple[int, ...], threads: int, thread_plan: bool = True) -> dict:
    import torch
    import torch.nn.functional as F

    from rfspin.nn import SoftwareMLP, build_rf_network, kernel_thread_plan, set_kernel_method

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if name == "linear":
        model = SoftwareMLP(sizes, generator=torch.Generator().manual_seed(0))
    else:
        model = build_rf_network(sizes, seed=0, readout_scale=1e-2)
        set_kernel_method(model, "exact" if name == "rf-exact" else "auto")
        if name == "rf-direct":
            for layer in model.resonator_layers:
                layer.weights = types.MethodType(_direct_weights, layer)
    x = torch.rand(BATCH, sizes[0], generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, sizes[-1], (BATCH,), generator=torch.Generator().manual_seed(2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    logits = model.logits if hasattr(model, "logits") else model

    def step():
        loss = F.cross_entropy(logits(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    base = _rss_mb()
    plan = kernel_thread_plan(model) if thread_plan else contextlib.nullcontext(False)
    with plan as planned:  # as rfspin's trainer runs it (dense RF networks: kernels on all threads)
        step()  # warm-up (allocations, optimizer state, the fast kernel's plan)
        times, cpu = [], []
        for _ in range(steps):
            t0, c0 = time.perf_counter(), time.process_time()
            step()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    return {"name": name, "ms_per_step": 1e3 * times[len(times) // 2], "min_ms_per_step": 1e3 * times[0],
            "cpu_ms_per_step": 1e3 * cpu[len(cpu) // 2], "peak_mb_above_base": _rss_mb() - base,
            "threads": torch.get_num_threads(), "kernel_thread_plan": bool(planned)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="layer widths, e.g. 784,300,10")
    ap.add_argument("--skip-direct", action="store_true", help="leave out rf-direct (slow at MNIST size)")
    ap.add_argument("--json", default=None, metavar="OUT",
                    help="also write the results as JSON (tools/make_figures.py)")
    ap.add_argument("--no-thread-plan", action="store_true",
                    help="run the RF variants with torch on every thread (not as rfspin's trainer does)")
    ap.add_argument("--variant", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = tuple(int(n) for n in args.sizes.split(","))
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.steps, sizes, args.threads, not args.no_thread_plan)))
        return
    results = {}
    names = ["linear", "rf-fast", "rf-exact"] + ([] if args.skip_direct else ["rf-direct"])
    load_before = os.getloadavg()
    for name in names:
        out = subprocess.run([sys.executable, __file__, "--variant", name, "--steps", str(args.steps),
                              "--sizes", args.sizes, "--threads", str(args.threads),
                              *(["--no-thread-plan"] if args.no_thread_plan else [])],
                             check=True, capture_output=True, text=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    load = [round(max(a, b), 2) for a, b in zip(load_before, os.getloadavg())]
    lin, fast, exact = results["linear"], results["rf-fast"], results["rf-exact"]
    print(f"network {'-'.join(map(str, sizes))}, batch {BATCH}, {lin['threads']} threads, "
          f"median of {args.steps} steps, load average {load[0]} / {load[1]} / {load[2]}")
    print("wall: median ms per step; min: fastest step; cpu: median process CPU ms per step (all threads;\n"
          "with --threads 1 the least sensitive to other load on the machine)")
    print(f"RF variants' thread plan (rfspin.nn.kernel_thread_plan, as the trainer): "
          f"{'compiled kernels on all threads, torch on one' if fast['kernel_thread_plan'] else 'torch on all threads'}")
    print(f"{'implementation':<12} {'wall ms':>9} {'min ms':>9} {'cpu ms':>9} {'peak MB':>9}")
    for r in results.values():
        print(f"{r['name']:<12} {r['ms_per_step']:9.2f} {r['min_ms_per_step']:9.2f} {r['cpu_ms_per_step']:9.2f} "
              f"{r['peak_mb_above_base']:9.1f}")

    def ratio(x, y, what):
        return " / ".join(f"{x[k] / y[k]:.1f}x" for k in ("ms_per_step", "min_ms_per_step", "cpu_ms_per_step")) + what

    print("ratios (wall / min / cpu):")
    print(f"rf-fast / linear time:     {ratio(fast, lin, '  (target <= 6x)')}")
    print(f"rf-exact / linear time:    {ratio(exact, lin, '')}")
    print(f"rf-exact / rf-fast time:   {ratio(exact, fast, '')}")
    if "rf-direct" in results:
        direct = results["rf-direct"]
        print(f"rf-direct / rf-fast time:  {ratio(direct, fast, '  (target >= 40x)')}")
        memory_ratio = direct['peak_mb_above_base'] / max(fast['peak_mb_above_base'], 0.1)
        print(f"rf-direct / rf-fast peak memory: {memory_ratio:.1f}x")
    if args.json:
        from rfspin.fileio import atomic_write_json

        atomic_write_json(args.json, {"benchmark": "train_step", "sizes": list(sizes), "batch": BATCH,
                                      "steps": args.steps, "threads": lin["threads"], "load_average": load,
                                      "results": {**results, "rf-fused": exact}})  # old name of rf-exact
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
