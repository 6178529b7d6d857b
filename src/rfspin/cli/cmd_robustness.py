"""rfspin robustness: Monte-Carlo accuracy of a trained run over simulated chip instances."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError


def register(sub) -> None:
    p = sub.add_parser(
        "robustness",
        help="Monte-Carlo accuracy over non-ideal chip instances",
        description="Evaluate a run's network on N simulated chips (static non-idealities sampled per chip, "
                    "noise per forward); write robustness.json, robustness.csv and PNGs into the run folder.",
    )
    p.add_argument("run_dir", type=Path, help="run folder written by 'rfspin train'")
    p.add_argument("--chips", type=int, default=1000, help="chip instances per setting (default 1000)")
    p.add_argument("--config", type=Path, default=None, metavar="FILE.toml",
                   help="non-idealities (TOML, units in keys)")
    p.add_argument("--preset", default=None,
                   help="named non-ideality preset (ideal, lab-2023, nv-analog) instead of --config")
    p.add_argument("--sweep", action="append", default=[], metavar="NAME=v1,v2,...",
                   help="sweep one key, e.g. programming_error.relative_sigma_percent=0,0.5,1 (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of the chip draws (default 0)")
    p.add_argument("--chunk", type=int, default=None, help="chips per batched chunk (default: fit 256 MiB)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..nonideal.config import load_nonidealities, preset
    from ..tasks.robustness import parse_sweep, robustness_study

    if args.chips < 1:
        raise RfspinError(f"--chips {args.chips}: must be >= 1")
    if args.chunk is not None and args.chunk < 1:
        raise RfspinError(f"--chunk {args.chunk}: must be >= 1")
    if args.config is not None and args.preset is not None:
        raise RfspinError("give --config or --preset, not both")
    nonideal = load_nonidealities(args.config) if args.config is not None else preset(args.preset or "ideal")
    sweeps = [parse_sweep(s) for s in args.sweep]
    report = robustness_study(args.run_dir, nonideal, n_chips=args.chips, sweeps=sweeps, seed=args.seed,
                              chunk_chips=args.chunk, plots=not args.no_plots)
    print(f"{report['task']}: ideal test accuracy {100 * report['ideal_test_accuracy']:.2f} %, "
          f"{args.chips} chips per setting")
    print(f"{'setting':<50} {'mean':>7} {'std':>6} {'p05':>7} {'min':>7}")
    for r in report["results"]:
        print(f"{r['setting']:<50} {100 * r['mean']:7.2f} {100 * r['std']:6.2f} {100 * r['p05']:7.2f} "
              f"{100 * r['min']:7.2f}")
    print(f"wrote {args.run_dir / 'robustness.json'}, robustness.csv" + ("" if args.no_plots else " and PNGs"))
    return 0
