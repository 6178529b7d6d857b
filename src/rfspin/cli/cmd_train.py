"""rfspin train: train an RF network on a task (and the software baseline), write a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..tasks import run_training, task_for, task_names


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train an RF network on a task",
        description="Train an RF spintronic network by backpropagation through the device physics.",
    )
    p.add_argument("--task", default="drone", help=f"one of {task_names()} or a .npz/.h5 spectra file (default drone)")
    p.add_argument("--hidden", type=int, nargs="*", default=None, metavar="N",
                   help="hidden widths, e.g. --hidden 128; '--hidden' alone: no hidden layer (default: the task's)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the task's)")
    p.add_argument("--seed", type=int, default=0, help="seed of initialisation and shuffling (default 0)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default runs/TASK-seedS)")
    p.add_argument("--baseline", action="store_true", help="also train the software MLP of the same shape")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's checkpoint")
    p.add_argument("--program", type=Path, default=None, help="start from a chip program file (program.json)")
    p.add_argument("--data-dir", type=Path, default=None, help="folder of external data (e.g. MNIST IDX files)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    task = task_for(args.task)
    if args.epochs is not None and args.epochs < 0:
        raise ValueError(f"--epochs {args.epochs}: must be >= 0")
    if args.hidden is not None and any(h < 1 for h in args.hidden):
        raise ValueError(f"--hidden {args.hidden}: widths must be >= 1")
    out = args.out or Path("runs") / f"{Path(task.name).stem}-seed{args.seed}"
    m = run_training(
        task,
        out,
        hidden=None if args.hidden is None else tuple(args.hidden),
        epochs=args.epochs,
        seed=args.seed,
        baseline=args.baseline,
        resume=args.resume,
        program_path=args.program,
        progress=not args.quiet,
        plots=not args.no_plots,
        data_dir=args.data_dir,
    )
    line = (f"{m['task']}: RF network {'-'.join(map(str, m['sizes']))}, {m['epochs']} epochs, seed {m['seed']}: "
            f"test accuracy {100 * m['test_accuracy']:.2f} % (train {100 * m['train_accuracy']:.2f} %)")
    print(line)
    if "baseline_test_accuracy" in m:
        print(f"software MLP, same shape and budget: test accuracy {100 * m['baseline_test_accuracy']:.2f} %")
    print(f"{m['n_synapses']} resonators, {m['n_neurons']} neurons; run folder: {out}")
    return 0
