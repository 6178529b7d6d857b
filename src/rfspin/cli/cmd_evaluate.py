"""rfspin evaluate: re-evaluate a run folder, or a chip program on a task."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError
from .common import add_device_argument, device_from_args
from .main import CLIError


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="re-evaluate a trained run or a chip program")
    p.add_argument("run_dir", nargs="?", type=Path, help="run folder written by 'rfspin train'")
    p.add_argument("--program", type=Path, default=None, help="chip program file instead of a run folder")
    p.add_argument("--task", default=None, help="task to evaluate on (default: the run's)")
    p.add_argument("--data-dir", type=Path, default=None, help="folder of external data (default: the run's)")
    add_device_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..program import network_from_program, read_program
    from ..tasks import evaluate_run, load_run_model, task_for
    from ..tasks.experiment import read_run_metrics

    device = device_from_args(args)
    stored = None
    if args.program is not None:
        if args.task is None:
            raise CLIError("--program needs --task (which data to evaluate on)")
        model = network_from_program(read_program(args.program)).to(device)
        task_name = args.task
    else:
        if args.run_dir is None:
            raise CLIError("give a run folder or --program FILE")
        stored = read_run_metrics(args.run_dir)
        model = load_run_model(args.run_dir, device)
        task_name = args.task or stored["task"]
    task = task_for(task_name)
    data_dir = args.data_dir or (Path(stored["data_dir"]) if stored and stored.get("data_dir") else None)
    data = task.load(int(stored["seed"]) if stored else 0, data_dir)
    sizes = model.spec.sizes
    if sizes[0] != data.n_features or sizes[-1] != data.n_classes:
        raise RfspinError(f"network {list(sizes)} does not fit task {task.name!r} "
                         f"({data.n_features} features, {data.n_classes} classes)")
    result = evaluate_run(model, data)
    print(f"{task.name}: test accuracy {100 * result['test_accuracy']:.2f} %, "
          f"train accuracy {100 * result['train_accuracy']:.2f} %")
    if stored is not None:
        same = abs(stored["test_accuracy"] - result["test_accuracy"]) < 1e-9
        print(f"stored test accuracy {100 * stored['test_accuracy']:.2f} %: {'identical' if same else 'DIFFERENT'}")
        return 0 if same else 1
    return 0
