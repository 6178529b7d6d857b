"""Parity on data nobody tuned for: RF test accuracy vs the software MLP of the same shape, defaults.

    python benchmarks/bench_parity.py [--tasks drone digits wine breast_cancer] [--seeds 0 1 2] [--out parity]

Trains every task with its default settings (``rfspin train --task T --baseline --seed S``; the
wine and breast-cancer tasks and user files take their operating point from the training data)
and prints one table: mean RF and MLP test accuracy over seeds and their difference. Run folders
that already hold a finished ``metrics.json`` are reused (``--out`` keeps them).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

from rfspin.tasks import RunConfig, run_training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["drone", "digits", "wine", "breast_cancer"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--out", type=Path, default=Path("parity"))
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| data set | seeds | RF test accuracy [%] | software MLP [%] | RF - MLP [points] |")
    print("|---|---|---|---|---|")
    for task in args.tasks:
        rf, mlp = [], []
        for seed in args.seeds:
            folder = args.out / f"{task}-seed{seed}"
            path = folder / "metrics.json"
            metrics = json.loads(path.read_text()) if path.is_file() else None
            if metrics is None or "baseline_test_accuracy" not in metrics:
                metrics = run_training(RunConfig(task=task, out_dir=folder, seed=seed, baseline=True, plots=False,
                                                 progress=False))
            rf.append(100 * metrics["test_accuracy"])
            mlp.append(100 * metrics["baseline_test_accuracy"])
        print(f"| {task} | {len(args.seeds)} | {statistics.fmean(rf):.2f} | {statistics.fmean(mlp):.2f} | "
              f"{statistics.fmean(rf) - statistics.fmean(mlp):+.2f} |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
