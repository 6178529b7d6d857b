"""rfspin tune: Optuna TPE search with pruning on validation accuracy (through Ray Tune when installed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_config_device_argument, config_device_sets


def register(sub) -> None:
    p = sub.add_parser(
        "tune",
        help="search hyper-parameters (Optuna TPE + pruning; Ray Tune when installed)",
        description="Search experiment keys with Optuna's TPE sampler, pruning trials on per-epoch accuracy on a "
                    "validation split of the training set (the test set is never used to choose). Writes "
                    "best_config.toml, which 'rfspin train --config' trains; --evaluate then trains the best and "
                    "the base configuration on the full training set and reports their test accuracies.",
    )
    p.add_argument("search_file", type=Path, help="search TOML file")
    p.add_argument("--backend", choices=("auto", "ray", "optuna"), default=None,
                   help="override the file's backend (auto: Ray Tune when Ray is installed, else Optuna)")
    p.add_argument("--trials", type=int, default=None, help="override the file's number of trials")
    p.add_argument("--address", default=None, help="address of a running Ray cluster (default: a local one)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray instance (default: all)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="set a key of the search's base configuration (TOML literal; repeatable)")
    p.add_argument("--out", type=Path, default=None, help="search folder (default: the file's out_dir)")
    p.add_argument("--evaluate", action="store_true",
                   help="afterwards train the best and the base configuration on the full training set; "
                        "print both test accuracies")
    add_config_device_argument(p)
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import importlib.util
    from dataclasses import replace

    from ..errors import RfspinError
    from ..experiment import run_experiment
    from ..scale.search import load_search, run_search

    if args.trials is not None and args.trials < 1:
        raise RfspinError(f"--trials {args.trials}: must be >= 1")
    plan = load_search(args.search_file, [*args.sets, *config_device_sets(args)])
    changes = {}
    if args.backend is not None:
        changes["backend"] = args.backend if args.backend != "auto" else (
            "ray" if importlib.util.find_spec("ray") is not None else "optuna")
    if args.trials is not None:
        changes["trials"] = args.trials
    if args.out is not None:
        changes["out_dir"] = args.out
    plan = replace(plan, **changes)
    summary = run_search(plan, progress=not args.quiet, address=args.address, num_cpus=args.num_cpus)
    best = summary["best"]
    print(f"{summary['n_trials']} trials ({summary['backend']}): {summary['n_complete']} complete, "
          f"{summary['n_pruned']} pruned; best validation accuracy {100 * best['value']:.2f} % with {best['params']}")
    print(f"best configuration: {plan.out_dir / 'best_config.toml'} (rfspin train --config it)")
    if args.evaluate:
        from ..experiment import load_config

        best_run = run_experiment(load_config(plan.out_dir / "best_config.toml", ["run.progress=false"]),
                                  plan.out_dir / "best_run")
        base_run = run_experiment(plan.default, plan.out_dir / "default_run")
        print(f"test accuracy, full training set: best {100 * best_run['test_accuracy']:.2f} %, "
              f"base {100 * base_run['test_accuracy']:.2f} %")
    return 0
