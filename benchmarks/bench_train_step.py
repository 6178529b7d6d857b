"""Train-step time and peak memory of the drone network 256-128-10 at batch 256.

Three implementations of the same model, each timed in its own subprocess (so peak RSS is its own):
  rf-fused   rfspin's RFNetwork: exact crosstalk, fused chunked kernel with analytic backward;
  rf-direct  the same equations with the chains x inputs x resonators tensor built in one
             broadcast expression and differentiated by autograd (as the authors' code does);
  linear     nn.Linear + ReLU MLP of the same shape (the software baseline).
Prints ms per step (forward + backward + Adam), peak memory above the process's baseline, and
ratios measured in the same run. Usage: python benchmarks/bench_train_step.py [--steps 10] [--json OUT]
(``--json`` also writes the results for tools/make_figures.py; run once per thread count, e.g.
with OMP_NUM_THREADS=1 and =2, for the README's speed table).
"""

from __future__ import annotations

import argparse
import json
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


def run_variant(name: str, steps: int) -> dict:
    import torch
    import torch.nn.functional as F

    from rfspin.nn import SoftwareMLP, build_rf_network

    torch.manual_seed(0)
    if name == "linear":
        model = SoftwareMLP(SIZES, generator=torch.Generator().manual_seed(0))
    else:
        model = build_rf_network(SIZES, seed=0, readout_scale=1e-2)
        if name == "rf-direct":
            for layer in model.resonator_layers:
                layer.weights = types.MethodType(_direct_weights, layer)
    x = torch.rand(BATCH, SIZES[0], generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, SIZES[-1], (BATCH,), generator=torch.Generator().manual_seed(2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    logits = model.logits if hasattr(model, "logits") else model

    def step():
        loss = F.cross_entropy(logits(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    base = _rss_mb()
    step()  # warm-up (allocations, optimizer state)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"name": name, "ms_per_step": 1e3 * times[len(times) // 2], "peak_mb_above_base": _rss_mb() - base,
            "threads": torch.get_num_threads()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--json", default=None, metavar="OUT",
                    help="also write the results as JSON (tools/make_figures.py)")
    ap.add_argument("--variant", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.steps)))
        return
    results = {}
    for name in ("linear", "rf-fused", "rf-direct"):
        out = subprocess.run([sys.executable, __file__, "--variant", name, "--steps", str(args.steps)],
                             check=True, capture_output=True, text=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    lin, fused, direct = results["linear"], results["rf-fused"], results["rf-direct"]
    print(f"drone network {'-'.join(map(str, SIZES))}, batch {BATCH}, {lin['threads']} threads, "
          f"median of {args.steps} steps")
    print(f"{'implementation':<12} {'ms/step':>9} {'peak MB':>9}")
    for r in (lin, fused, direct):
        print(f"{r['name']:<12} {r['ms_per_step']:9.2f} {r['peak_mb_above_base']:9.1f}")
    print(f"rf-direct / rf-fused time: {direct['ms_per_step'] / fused['ms_per_step']:.1f}x  (target >= 10x)")
    print(f"rf-fused / linear time:    {fused['ms_per_step'] / lin['ms_per_step']:.1f}x")
    memory_ratio = direct['peak_mb_above_base'] / max(fused['peak_mb_above_base'], 0.1)
    print(f"rf-direct / rf-fused peak memory: {memory_ratio:.1f}x")
    if args.json:
        from rfspin.fileio import atomic_write_json

        atomic_write_json(args.json, {"benchmark": "train_step", "sizes": list(SIZES), "batch": BATCH,
                                      "steps": args.steps, "threads": lin["threads"], "results": results})
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
