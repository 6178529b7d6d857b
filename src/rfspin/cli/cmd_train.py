"""rfspin train: train an RF network on a task (and the software baseline), write a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError
from .common import lazy_help


def _task_help() -> str:  # built only when --help shows it (no torch import to register the parser)
    from ..tasks import task_names

    return f"one of {task_names()} or a .npz/.h5 spectra file (default drone)"


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train an RF network on a task",
        description="Train an RF spintronic network by backpropagation through the device physics.",
    )
    p.add_argument("--task", default="drone", help=lazy_help(_task_help))
    p.add_argument("--hidden", type=int, nargs="*", default=None, metavar="N",
                   help="hidden widths, e.g. --hidden 128; '--hidden' alone: no hidden layer (default: the task's)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the task's)")
    p.add_argument("--max-shift", type=int, default=None, metavar="PIXELS",
                   help="train on images shifted at random by up to PIXELS in x and y, RF and baseline "
                        "(image tasks only; default: the task's, 1 for mnist, 2 for mnist-cnn, else 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of initialisation and shuffling (default 0)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default runs/TASK-seedS)")
    p.add_argument("--baseline", action="store_true", help="also train the software baseline of the same shape (MLP or CNN)")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's checkpoint")
    p.add_argument("--program", type=Path, default=None, help="start from a chip program file (program.json)")
    p.add_argument("--init-from", type=Path, default=None, metavar="RUN_DIR",
                   help="warm start from the trained state of another run folder (same architecture; "
                        "with --baseline the software baseline starts from that run's baseline too)")
    p.add_argument("--data-dir", type=Path, default=None, help="folder of external data (e.g. MNIST IDX files)")
    p.add_argument("--hw-aware", type=Path, default=None, metavar="FILE.toml",
                   help="hardware-aware training: inject these non-idealities (TOML), a new chip every step")
    p.add_argument("--hw-variant", choices=("noisy", "twin"), default="noisy",
                   help="with --hw-aware: 'noisy' = gradient through the non-ideal chip (default); "
                        "'twin' = forward on the non-ideal chip, gradient from the ideal twin (authors' variant)")
    p.add_argument("--devices", type=Path, default=None, metavar="FILE",
                   help="devices file from 'rfspin calibrate': measured per-device parameters")
    p.add_argument("--chip-in-the-loop", default=None, metavar="BACKEND_SPEC",
                   help="train on hardware: forward measured on BACKEND_SPEC, backward through the twin; "
                        "'sim:seed=3,prog_error=0.01,variability=0.05,noise_v=1e-4' (hidden simulated chip), "
                        "'replay:DIR' (recorded measurements) or 'python:module:function' (your lab code)")
    p.add_argument("--binary", choices=("ste", "relaxed"), default=None,
                   help="binary non-volatile synapses (two resonance states per device), trained with a "
                        "straight-through ('ste') or relaxed parametrisation")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..tasks import run_training, task_for

    task = task_for(args.task)
    if args.epochs is not None and args.epochs < 0:
        raise RfspinError(f"--epochs {args.epochs}: must be >= 0")
    if args.max_shift is not None and args.max_shift < 0:
        raise RfspinError(f"--max-shift {args.max_shift}: must be an integer >= 0 (pixels)")
    if args.hidden is not None and any(h < 1 for h in args.hidden):
        raise RfspinError(f"--hidden {args.hidden}: widths must be >= 1")
    out = args.out or Path("runs") / f"{Path(task.name).stem}-seed{args.seed}"
    if args.binary is not None:
        return _train_binary(task, out, args)
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
        init_from=args.init_from,
        max_shift=args.max_shift,
        hardware_aware=_hardware_aware(args),
        devices_path=args.devices,
        chip_in_the_loop=None if args.chip_in_the_loop is None else parse_backend_spec(args.chip_in_the_loop),
    )
    line = (f"{m['task']}: RF network {'-'.join(map(str, m['sizes']))}, {m['epochs']} epochs, seed {m['seed']}: "
            f"test accuracy {100 * m['test_accuracy']:.2f} % (train {100 * m['train_accuracy']:.2f} %)")
    print(line)
    if "chip_test_accuracy" in m:
        print(f"chip-in-the-loop on {m['chip_backend']}: chip test accuracy {100 * m['chip_test_accuracy_before']:.2f} % "
              f"before, {100 * m['chip_test_accuracy']:.2f} % after (train {100 * m['chip_train_accuracy']:.2f} %)")
    if "baseline_test_accuracy" in m:
        print(f"software baseline, same shape and budget: test accuracy {100 * m['baseline_test_accuracy']:.2f} %")
    print(f"{m['n_synapses']} resonators, {m['n_neurons']} neurons; run folder: {out}")
    return 0


def _hardware_aware(args: argparse.Namespace):
    if args.hw_aware is None:
        return None
    from ..nonideal.config import load_nonidealities
    from ..train.hardware_aware import HardwareAwareConfig

    return HardwareAwareConfig(load_nonidealities(args.hw_aware), variant=args.hw_variant, seed=args.seed)


_SIM_KEYS = {"seed": int, "prog_error": float, "variability": float, "noise_v": float, "osc_freq_var": float}


def parse_backend_spec(spec: str):
    """'sim:k=v,...' | 'replay:DIR' | 'python:module:function' -> a hardware backend."""
    from ..hardware import (
        FunctionBackend,
        ReplayBackend,
        SimulatorBackend,
        hidden_chip_nonidealities,
    )

    kind, _, rest = spec.partition(":")
    if kind == "sim":
        values = {}
        for item in filter(None, rest.split(",")):
            key, eq, value = item.partition("=")
            if not eq or key.strip() not in _SIM_KEYS:
                raise RfspinError(f"backend spec {spec!r}: {item!r} is not KEY=VALUE with KEY in {sorted(_SIM_KEYS)}")
            try:
                values[key.strip()] = _SIM_KEYS[key.strip()](value)
            except ValueError:
                raise RfspinError(f"backend spec {spec!r}: {key}={value!r} is not a number") from None
        seed = values.pop("seed", 0)
        nonideal = hidden_chip_nonidealities(
            programming_error=values.get("prog_error", 0.01), variability=values.get("variability", 0.05),
            noise_v=values.get("noise_v", 1e-4), oscillator_frequency_variability=values.get("osc_freq_var", 0.0))
        return SimulatorBackend(nonideal, seed=seed)
    if kind == "replay":
        if not rest:
            raise RfspinError(f"backend spec {spec!r}: give a folder, 'replay:DIR'")
        return ReplayBackend(rest)
    if kind == "python":
        module_name, _, function_name = rest.rpartition(":")
        if not module_name or not function_name:
            raise RfspinError(f"backend spec {spec!r}: expected 'python:module:function'")
        import importlib

        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise RfspinError(f"backend spec {spec!r}: cannot import module {module_name!r} ({exc})") from exc
        if not callable(getattr(module, function_name, None)):
            raise RfspinError(f"backend spec {spec!r}: {module_name} has no function {function_name!r}")
        return FunctionBackend(getattr(module, function_name), name=f"{module_name}:{function_name}")
    raise RfspinError(f"backend spec {spec!r}: must start with 'sim:', 'replay:' or 'python:'")


def _train_binary(task, out: Path, args: argparse.Namespace) -> int:
    from ..tasks.robustness import train_binary_run

    if args.hw_aware is not None or args.program is not None or args.resume or args.baseline or args.max_shift:
        raise RfspinError("--binary cannot be combined with --hw-aware, --program, --resume, --baseline or --max-shift")
    m = train_binary_run(task, out, mode=args.binary, hidden=None if args.hidden is None else tuple(args.hidden),
                         epochs=args.epochs, seed=args.seed, progress=not args.quiet)
    print(f"{m['task']}: binary RF network {'-'.join(map(str, m['sizes']))} ({args.binary}), {m['epochs']} epochs: "
          f"test accuracy {100 * m['test_accuracy']:.2f} % (train {100 * m['train_accuracy']:.2f} %); run folder: {out}")
    return 0
