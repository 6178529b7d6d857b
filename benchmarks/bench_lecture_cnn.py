"""The lecture-scale RF CNN (8,576 neurons, 6.7 M synapses): build, device counts, one timed MNIST epoch, peak memory.

Builds the ``mnist-lecture`` task's network (:data:`rfspin.nn.cnn.LECTURE_CNN_SPEC`, parallel-chain
convolutions), prints its neuron and synapse counts beside the lecture's, then trains it for
``--epochs`` epoch(s) on MNIST with the task's batch size and learning rate (rfspin's trainer,
including its per-epoch evaluation of train and test accuracy) and reports the wall time, CPU
time, test accuracy and the process's peak resident memory (ru_maxrss). ``--baseline`` also
trains the software CNN of the same shape for the same epochs (its own subprocess). Each network
runs in its own subprocess, so each peak memory is its own.

Usage::

    python benchmarks/bench_lecture_cnn.py --data-dir /work/shared/data/mnist [--epochs 1]
        [--threads 2] [--train-samples N] [--test-samples N] [--baseline] [--device cpu] [--json OUT]

``--train-samples`` / ``--test-samples`` use the first N images (a shorter check; say so when
reporting); the epoch time of the full set is then extrapolated linearly (which also scales the
per-epoch evaluation) and marked as such.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(args) -> dict:
    from dataclasses import replace

    import torch

    torch.set_num_threads(args.threads)
    from rfspin.device import resolve_device
    from rfspin.nn.cnn import LECTURE_CNN_COUNTS
    from rfspin.tasks import task_for
    from rfspin.train.trainer import train

    device = resolve_device(args.device)
    task = task_for("mnist-lecture")
    data = task.load(0, args.data_dir)
    n_full = len(data.y_train)
    if args.train_samples:
        data = replace(data, x_train=data.x_train[:args.train_samples], y_train=data.y_train[:args.train_samples])
    if args.test_samples:
        data = replace(data, x_test=data.x_test[:args.test_samples], y_test=data.y_test[:args.test_samples])
    rss_loaded = _peak_rss_mib()
    t0 = time.perf_counter()
    if args.which == "rf":
        model = task.build(data, task.hidden, 0)
        cfg = task.rf_config
    else:
        model = task.build_baseline(data, task.hidden, 0)
        cfg = task.baseline_config
    build_s = time.perf_counter() - t0
    cfg = replace(cfg, epochs=args.epochs, seed=0)
    t0, c0 = time.perf_counter(), time.process_time()
    result = train(model.to(device), data, cfg, progress=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    epoch_s = [h["time_s"] for h in result.history]
    scale = n_full / len(data.y_train)
    return {
        "which": args.which, "device": str(device), "threads": torch.get_num_threads(),
        "neurons": model.n_neurons, "synapses": model.n_synapses, "lecture": LECTURE_CNN_COUNTS,
        "train_samples": len(data.y_train), "full_train_samples": n_full, "epochs": args.epochs,
        "batch_size": cfg.batch_size, "build_s": build_s, "train_wall_s": wall, "train_cpu_s": cpu,
        "epoch_s": epoch_s, "full_epoch_s_estimate": epoch_s[-1] * scale,
        "test_accuracy": result.test_accuracy, "peak_rss_mib": _peak_rss_mib(), "rss_after_load_mib": rss_loaded,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir", default=os.environ.get("RFSPIN_MNIST_DIR", "/work/shared/data/mnist"))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-samples", type=int, default=0)
    p.add_argument("--test-samples", type=int, default=0)
    p.add_argument("--baseline", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", default=None)
    p.add_argument("--which", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.which:
        print(json.dumps(run_one(args)))
        return 0
    results = []
    for which in ("rf", "software") if args.baseline else ("rf",):
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
        cmd = [sys.executable, __file__, "--which", which, "--data-dir", args.data_dir, "--epochs", str(args.epochs),
               "--threads", str(args.threads), "--train-samples", str(args.train_samples), "--test-samples", str(args.test_samples),
               "--device", args.device]
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout.splitlines()[-1])
        r["load_average_before"] = load
        results.append(r)
        lec = r["lecture"]
        print(f"{which}: {r['neurons']:,} neurons (lecture {lec['neurons']:,}), {r['synapses']:,} synapses "
              f"(lecture {lec['synapses']:,}); device {r['device']}, {r['threads']} threads, load before {load}")
        subset = (f" on {r['train_samples']:,} of {r['full_train_samples']:,} images "
                  f"(full epoch ~{r['full_epoch_s_estimate']:.0f} s, extrapolated)" if r["train_samples"] <
                  r["full_train_samples"] else "")
        print(f"  {r['epochs']} epoch(s), batch {r['batch_size']}{subset}: {r['train_wall_s']:.1f} s wall, "
              f"{r['train_cpu_s']:.1f} s CPU, epoch times {[round(t, 1) for t in r['epoch_s']]} s; "
              f"test accuracy {100 * r['test_accuracy']:.2f} %; peak memory (ru_maxrss) {r['peak_rss_mib']:.0f} MiB "
              f"({r['peak_rss_mib'] / 1024:.2f} GiB, budget 24 GiB)", flush=True)
    if len(results) == 2:
        print(f"RF / software epoch time: {results[0]['epoch_s'][-1] / results[1]['epoch_s'][-1]:.1f}x")
    if args.json:
        from rfspin.fileio import atomic_write_json

        atomic_write_json(args.json, {"benchmark": "lecture_cnn", "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
