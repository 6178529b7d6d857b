"""Wall time of ``rfspin --help`` in a fresh interpreter, against ``import torch`` and a bare interpreter.

    python benchmarks/bench_cli_help.py [--repeats 5]

Prints the best of ``--repeats`` runs of each command (target: ``rfspin --help`` < 1.5 s, i.e. it
must not import torch) and the ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def best_time(argv: list[str], repeats: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    bare = best_time([sys.executable, "-c", "pass"], args.repeats)
    torch = best_time([sys.executable, "-c", "import torch"], args.repeats)
    help_ = best_time([sys.executable, "-m", "rfspin.cli", "--help"], args.repeats)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"best of {args.repeats}, load average {load:.2f}")
    for label, seconds in (("python -c pass", bare), ("python -c 'import torch'", torch),
                           ("python -m rfspin.cli --help", help_)):
        print(f"{label:<28} {seconds:6.3f} s")
    print("target: rfspin --help < 1.5 s")
    print(f"rfspin --help / import torch: {help_ / torch:.2f}x; rfspin --help - bare interpreter: {help_ - bare:.3f} s")


if __name__ == "__main__":
    main()
