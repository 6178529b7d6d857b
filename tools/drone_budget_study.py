"""Drone training budgets judged on a validation split of the training set (the test set is never used).

For each (batch, learning rate, epochs) and seed, trains the default drone configuration with that
budget on 80 % of the training rows (stratified, split seed 0) and prints the final validation
accuracy, the lowest of the last 10 epochs and the process CPU time (1 thread). docs/speed.md,
"Task defaults, measured", holds the figures that chose the drone defaults.

    python tools/drone_budget_study.py [--budgets 32:0.02:100 128:0.04:100 ...] [--seeds 0 1] [--json OUT]
"""

from __future__ import annotations

import argparse
import time

import torch

from rfspin.experiment import default_config, resolve_config
from rfspin.fileio import atomic_write_json
from rfspin.scale.validation import train_on_validation

DEFAULT_BUDGETS = ("32:0.02:100", "64:0.02:100", "64:0.03:100", "128:0.04:100", "64:0.03:60")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", nargs="+", default=list(DEFAULT_BUDGETS), help="BATCH:LR:EPOCHS")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--fraction", type=float, default=0.2, help="validation fraction of the training rows")
    parser.add_argument("--json", default=None, help="write the rows (with learning curves) here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for budget in args.budgets:
        batch, lr, epochs = budget.split(":")
        for seed in args.seeds:
            cfg = resolve_config(default_config("drone", seed), [
                f"training.batch_size={int(batch)}", f"training.learning_rate={float(lr)}",
                f"training.epochs={int(epochs)}", "run.progress=false", "run.plots=false"])
            curve: list[float] = []
            start = time.process_time()
            acc = train_on_validation(cfg, args.fraction, report=lambda _epoch, a, c=curve: c.append(a))
            cpu = time.process_time() - start
            rows.append({"batch": int(batch), "learning_rate": float(lr), "epochs": int(epochs), "seed": seed,
                         "validation_accuracy": acc, "cpu_s": cpu, "curve": curve})
            print(f"batch {batch} lr {lr} epochs {epochs} seed {seed}: validation {100 * acc:.2f} % "
                  f"(lowest of the last 10 epochs {100 * min(curve[-10:]):.2f} %), CPU {cpu:.1f} s", flush=True)
    if args.json:
        atomic_write_json(args.json, rows)


if __name__ == "__main__":
    main()
