"""rfspin sweep: the product (grid) or a random sample of experiment keys x seeds, on Ray or sequentially."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_config_device_argument, config_device_sets


def register(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a sweep of experiment keys x seeds (Ray or sequential; resumable)",
        description="Run every trial of a sweep file (see docs/experiments.md) on a local Ray instance started "
                    "for the sweep, on an existing cluster (--address, after 'ray start --head'), or "
                    "sequentially (--backend local). Finished trials (results keyed by the config hash) are "
                    "skipped; killed or failed trials are retried. Writes results.csv, summary.csv and plots.",
    )
    p.add_argument("sweep_file", type=Path, help="sweep TOML file")
    p.add_argument("--backend", choices=("ray", "local"), default="ray", help="ray (default) or local (sequential)")
    p.add_argument("--address", default=None,
                   help="address of a running Ray cluster ('auto' or HOST:PORT; default: start a local one)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray instance (default: all)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="set a key of the sweep's base configuration (TOML literal; repeatable)")
    p.add_argument("--out", type=Path, default=None, help="sweep folder (default: the file's out_dir)")
    p.add_argument("--dry-run", action="store_true", help="list the trials and which are finished; run nothing")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    add_config_device_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..errors import RfspinError
    from ..scale import finished_result, load_sweep, run_sweep

    if args.num_cpus is not None and args.num_cpus < 1:
        raise RfspinError(f"--num-cpus {args.num_cpus}: must be >= 1")
    plan = load_sweep(args.sweep_file, [*args.sets, *config_device_sets(args)])
    if args.out is not None:
        plan = replace(plan, out_dir=args.out)
    if args.dry_run:
        for t in plan.trials:
            done = "finished" if finished_result(plan.out_dir, t.hash) else "to run"
            print(f"{t.hash}  seed {t.seed}  {t.values}  {done}")
        print(f"{len(plan.trials)} trials in {plan.out_dir}")
        return 0
    outcome = run_sweep(plan, backend=args.backend, address=args.address, num_cpus=args.num_cpus,
                        progress=not args.quiet, plots=not args.no_plots)
    for entry in outcome["summary"]:
        values = ", ".join(f"{k}={entry[k]}" for k in plan.keys)
        print(f"{values or 'base'}: test accuracy {100 * entry['test_accuracy_mean']:.2f} +- "
              f"{100 * entry['test_accuracy_std']:.2f} % over {entry['n_seeds']} seeds")
    print(f"{outcome['n_trials']} trials: {outcome['executed']} executed, {outcome['skipped']} already finished, "
          f"{len(outcome['failed'])} failed ({outcome['backend']}, {outcome['wall_s']:.1f} s); "
          f"tables and plots in {plan.out_dir}")
    for digest, why in outcome["failed"].items():
        print(f"failed {digest}: {why}")
    return 1 if outcome["failed"] else 0
