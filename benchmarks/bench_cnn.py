"""RF CNN vs software CNN of the same shape: train-step time, weight-build breakdown, peak memory.

    python benchmarks/bench_cnn.py [--batch 250] [--steps 10] [--threads 2] [--runs DIR]

Prints (1) the median train-step time (forward + backward + Adam) of the RF CNN of the
``mnist-cnn`` task, with the default chain kernel (``auto``: fast where its proven bound holds)
and with the exact one (before/after), and of the nn.Conv2d CNN of the same shape, measured in
this run, and their ratios (target <= 3x); (2) the share of each RF layer's exact-crosstalk weight build (forward +
backward of ``chain_weights``) in the RF step; (3) peak resident memory of each model's training
in a fresh subprocess (VmHWM); (4) full-MNIST epoch estimates (steps x step time) of the RF
MLP 784-300-10 (batch 1000) and RF CNN (batch 250), and, with ``--runs DIR`` (a leroux2022
output folder), the measured epoch times from the run checkpoints. Inputs are uniform random
normalised powers: the cost does not depend on the pixel values.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from rfspin.nn.cnn import RFCNN, SoftwareCNN
from rfspin.nn.network import build_rf_network
from rfspin.nn.resonator_layer import set_kernel_method
from rfspin.tasks.mnist import mnist_cnn_spec


def make_model(kind: str, hidden: tuple[int, ...] = (100,)):
    if kind == "rf_cnn":
        return RFCNN(mnist_cnn_spec(hidden), generator=torch.Generator().manual_seed(0))
    if kind == "software_cnn":
        return SoftwareCNN(mnist_cnn_spec(hidden), generator=torch.Generator().manual_seed(0))
    if kind == "rf_mlp":
        return build_rf_network((784, 300, 10), input_power=2e-8, readout_scale=2e-2)
    raise ValueError(kind)


def step_times(model, batch: int, steps: int) -> list[float]:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(batch, 784, generator=gen)
    y = torch.randint(0, 10, (batch,), generator=gen)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for _ in range(steps + 1):  # the first step warms up
        t0 = time.perf_counter()
        loss = F.cross_entropy(model.logits(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return times[1:]


def weight_build_times(model: RFCNN, repeats: int) -> dict[str, float]:
    """Median forward + backward time of each resonator layer's weight build [s]."""
    layers = {f"conv{i + 1}": conv.chains for i, conv in enumerate(model.convs)}
    layers.update({f"head{i + 1}": layer for i, layer in enumerate(model.head.resonator_layers)})
    out = {}
    for name, layer in layers.items():
        times = []
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            layer.weights().sum().backward()
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times[1:])
    return out


def child(kind: str, batch: int, steps: int, hidden: tuple[int, ...]) -> None:
    times = step_times(make_model(kind, hidden), batch, steps)
    print(json.dumps({"median_s": statistics.median(times), "peak_rss_mib": peak_rss_kib() / 1024}))


def peak_rss_kib() -> int:
    """This process's peak resident memory [KiB]: VmHWM (ru_maxrss survives exec on Linux, so it
    would report the parent's peak)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_child(kind: str, batch: int, steps: int, threads: int, hidden: tuple[int, ...] = (100,)) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--batch", str(batch), "--steps", str(steps),
           "--threads", str(threads), "--hidden", *map(str, hidden)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def measured_epochs(runs: Path) -> None:
    from rfspin.train.checkpoint import load_checkpoint

    for run in ("mnist-seed0", "mnist-cnn-seed0"):
        for file, label in (("checkpoint.pt", "RF"), ("baseline.pt", "software")):
            path = runs / run / file
            if path.is_file():
                hist = load_checkpoint(path)["history"]
                times = [h["time_s"] for h in hist]
                print(f"  {run:16s} {label:8s}: {len(times)} epochs, median {statistics.median(times):7.1f} s/epoch "
                      f"(incl. train+test evaluation)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=250)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mlp-steps", type=int, default=2, help="timed RF MLP 784-300-10 steps (0: skip)")
    p.add_argument("--runs", type=Path, default=None, help="leroux2022 output folder with run checkpoints")
    p.add_argument("--hidden", type=int, nargs="*", default=[100],
                   help="dense hidden widths of the CNN (default 100, the mnist-cnn task's; '--hidden' alone: none)")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.child:
        child(args.child, args.batch, args.steps, tuple(args.hidden))
        return
    print(f"torch {torch.__version__}, {args.threads} threads, batch {args.batch}, median of {args.steps} steps")
    hidden = tuple(args.hidden)
    print(f"CNN: mnist-cnn task network, dense hidden widths {hidden or 'none'}")
    rf, sw, rf_exact = make_model("rf_cnn", hidden), make_model("software_cnn", hidden), make_model("rf_cnn", hidden)
    set_kernel_method(rf_exact, "exact")
    t_rf = statistics.median(step_times(rf, args.batch, args.steps))
    t_exact = statistics.median(step_times(rf_exact, args.batch, args.steps))
    t_sw = statistics.median(step_times(sw, args.batch, args.steps))
    print(f"train step: RF CNN {1e3 * t_rf:.1f} ms (exact kernel {1e3 * t_exact:.1f} ms), nn.Conv2d CNN "
          f"{1e3 * t_sw:.1f} ms, ratio {t_rf / t_sw:.2f}x (exact kernel {t_exact / t_sw:.2f}x; target <= 3x)")
    for label, model in (("auto", rf), ("exact", rf_exact)):
        builds = weight_build_times(model, args.steps)
        total = sum(builds.values())
        print(f"weight builds, {label} kernel (fwd+bwd, batch-independent): {1e3 * total:.1f} ms")
        for name, t in builds.items():
            print(f"  {name:6s} {1e3 * t:8.2f} ms  ({100 * t / total:.0f} % of the builds)")
    print("peak RSS per training process (fresh subprocess, model + steps):")
    for kind in ("rf_cnn", "software_cnn"):
        r = run_child(kind, args.batch, max(2, args.steps // 2), args.threads, hidden)
        print(f"  {kind:13s} {r['peak_rss_mib']:8.1f} MiB, step {1e3 * r['median_s']:.1f} ms")
    print("full-MNIST epoch estimates (60,000 samples, train steps only):")
    if args.mlp_steps > 0:
        mlp = run_child("rf_mlp", 1000, args.mlp_steps, args.threads)
        print(f"  RF MLP 784-300-10, batch 1000: 60 steps x {mlp['median_s']:.2f} s = {60 * mlp['median_s']:.0f} s "
              f"(peak RSS {mlp['peak_rss_mib']:.0f} MiB)")
    print(f"  RF CNN, batch {args.batch}: {60000 // args.batch} steps x {t_rf:.3f} s = "
          f"{60000 / args.batch * t_rf:.0f} s")
    if args.runs is not None:
        print(f"measured epoch times in {args.runs}:")
        measured_epochs(args.runs)


if __name__ == "__main__":
    main()
