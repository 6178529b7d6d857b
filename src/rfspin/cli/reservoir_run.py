"""Work of ``rfspin reservoir`` (imported inside run: torch, numpy live here)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..oscillatory.reservoir import ReservoirConfig
from ..tasks.reservoir import ReservoirTaskConfig, run_reservoir_task
from ..validation import check_number


def run_reservoir_command(args: argparse.Namespace) -> int:
    check_number(args.nodes, "--nodes", ge=1, le=100_000, integer=True)
    reservoir = ReservoirConfig(nodes=args.nodes, theta=args.theta, oscillators=args.oscillators,
                                coupling=args.coupling, temperature=args.temperature, bias_current_ratio=args.bias,
                                seed=args.seed)
    out = args.out or Path("runs") / f"reservoir-{args.frontend}"
    config = ReservoirTaskConfig(data_dir=args.data_dir, out_dir=out, frontend=args.frontend, reservoir=reservoir,
                                 preset=args.preset, input_scalings=tuple(args.input_scaling), esn=not args.no_esn,
                                 seed=args.seed, device=args.device, progress=not args.quiet,
                                 per_class=args.per_class)
    m = run_reservoir_task(config)
    line = (f"{args.frontend}: oscillator test {100 * m['test_accuracy']:.2f} % (train {100 * m['train_accuracy']:.2f} %), "
            f"features alone {100 * m['features_only_accuracy']:.2f} %")
    if "baseline_test_accuracy" in m:
        line += f", echo-state network {100 * m['baseline_test_accuracy']:.2f} %"
    print(line)
    print(f"written: {out}")
    return 0
