"""rfspin train: train an RF network on a task (and the software baseline), write a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError
from .common import add_device_argument, lazy_help


def _task_help() -> str:  # built only when --help shows it (no torch import to register the parser)
    from ..tasks import task_names

    return f"one of {task_names()} or a .npz/.h5 spectra file (default drone)"


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train an RF network on a task",
        description="Train an RF spintronic network by backpropagation through the device physics.",
    )
    p.add_argument("--config", type=Path, default=None, metavar="FILE.toml",
                   help="experiment configuration (TOML, see 'rfspin config show TASK'); "
                        "with it, only --set, --out, --seed, --baseline, --no-plots, --quiet and --device apply")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="with --config (or alone: on the default task): set one key, VALUE a TOML literal, "
                        "e.g. --set training.learning_rate=0.01 (repeatable)")
    p.add_argument("--task", default=None, help=lazy_help(_task_help))
    p.add_argument("--hidden", type=int, nargs="*", default=None, metavar="N",
                   help="hidden widths, e.g. --hidden 128; '--hidden' alone: no hidden layer (default: the task's)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: the task's)")
    p.add_argument("--max-shift", type=int, default=None, metavar="PIXELS",
                   help="train on images shifted at random by up to PIXELS in x and y, RF and baseline "
                        "(image tasks only; default: the task's, 1 for mnist, 2 for mnist-cnn, else 0)")
    p.add_argument("--seed", type=int, default=None, help="seed of initialisation and shuffling (default 0)")
    p.add_argument("--out", type=Path, default=None, help="run folder (default runs/TASK-seedS)")
    p.add_argument("--baseline", action="store_true",
                   help="also train the software baseline of the same shape (MLP or CNN)")
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
    add_device_argument(p)
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace):
    """The RunConfig of a ``rfspin train`` command line (validated by RunConfig itself)."""
    from ..tasks import RunConfig, task_for

    args.task = args.task or "drone"
    args.seed = 0 if args.seed is None else args.seed
    task = task_for(args.task)
    binary = None
    if args.binary is not None:
        from ..nn.binary import BinarySynapses

        binary = BinarySynapses(mode=args.binary)
    return RunConfig(
        task=args.task,
        out_dir=args.out or Path("runs") / f"{Path(task.name).stem}-seed{args.seed}",
        hidden=None if args.hidden is None else tuple(args.hidden),
        epochs=args.epochs,
        max_shift=args.max_shift,
        seed=args.seed,
        baseline=args.baseline,
        resume=args.resume,
        program=args.program,
        init_from=args.init_from,
        data_dir=args.data_dir,
        devices_file=args.devices,
        hardware_aware=_hardware_aware(args),
        chip_in_the_loop=None if args.chip_in_the_loop is None else parse_backend_text(args.chip_in_the_loop),
        binary=binary,
        plots=not args.no_plots,
        progress=not args.quiet,
        device=args.device,
    )


#: Flags that an experiment file replaces (its keys set them): refused beside --config / --set.
_FILE_KEYS = {"task": "data.task", "hidden": "network.hidden", "epochs": "training.epochs",
              "max_shift": "training.max_shift_pixels", "data_dir": "data.data_dir", "hw_aware": "[nonidealities]"}
_FILE_EXCLUSIVE = ("resume", "program", "init_from", "devices", "chip_in_the_loop", "binary")


def _experiment(args: argparse.Namespace):
    """The resolved experiment of --config / --set (and the flags that apply on top of a file)."""
    from ..experiment import load_config, resolve_config

    for name, key in _FILE_KEYS.items():
        if getattr(args, name) is not None:
            raise RfspinError(f"--{name.replace('_', '-')} cannot be combined with --config/--set: set {key}")
    for name in _FILE_EXCLUSIVE:
        if getattr(args, name) not in (None, False):
            raise RfspinError(f"--{name.replace('_', '-')} cannot be combined with --config/--set")
    sets = list(args.sets)
    if args.seed is not None:
        sets.append(f"seed={args.seed}")
    if args.baseline:
        sets.append("baseline.enabled=true")
    if args.no_plots:
        sets.append("run.plots=false")
    if args.quiet:
        sets.append("run.progress=false")
    if args.device != "auto":
        sets.append(f"device={args.device!r}")
    if args.config is not None:
        return load_config(args.config, sets)
    return resolve_config({}, sets, what="--set")


def run(args: argparse.Namespace) -> int:
    from ..tasks import run_training

    if args.config is not None or args.sets:
        from ..experiment import build_run, run_experiment

        resolved = _experiment(args)
        config, _ = build_run(resolved, args.out)
        m = run_experiment(resolved, config.out_dir)
        print(f"config hash {m['config_hash']}")
    else:
        config = config_from_args(args)
        m = run_training(config)
    kind = f"binary RF network ({config.binary.mode})" if config.binary is not None else "RF network"
    print(f"{m['task']}: {kind} {'-'.join(map(str, m['sizes']))}, {m['epochs']} epochs, seed {m['seed']}: "
          f"test accuracy {100 * m['test_accuracy']:.2f} % (train {100 * m['train_accuracy']:.2f} %)")
    if "chip_test_accuracy" in m:
        print(f"chip-in-the-loop on {m['chip_backend']}: chip test accuracy "
              f"{100 * m['chip_test_accuracy_before']:.2f} % before, {100 * m['chip_test_accuracy']:.2f} % after "
              f"(train {100 * m['chip_train_accuracy']:.2f} %)")
    if "baseline_test_accuracy" in m:
        print(f"software baseline, same shape and budget: test accuracy {100 * m['baseline_test_accuracy']:.2f} %")
    print(f"{m['n_synapses']} resonators, {m['n_neurons']} neurons on {m['device']}; run folder: {config.out_dir}")
    return 0


def _hardware_aware(args: argparse.Namespace):
    if args.hw_aware is None:
        return None
    from ..nonideal.config import load_nonidealities
    from ..train.hardware_aware import HardwareAwareConfig

    return HardwareAwareConfig(load_nonidealities(args.hw_aware), variant=args.hw_variant, seed=args.seed)


_SIM_KEYS = {"seed": int, "prog_error": float, "variability": float, "noise_v": float, "osc_freq_var": float}
_SIM_FIELDS = {"seed": "seed", "prog_error": "programming_error", "variability": "variability", "noise_v": "noise_v",
               "osc_freq_var": "oscillator_frequency_variability"}


def parse_backend_text(spec: str):
    """'sim:k=v,...' | 'replay:DIR' | 'python:module:function' -> a typed backend spec (rfspin.hardware.spec)."""
    from ..hardware.spec import FunctionSpec, ReplaySpec, SimulatorSpec

    kind, _, rest = spec.partition(":")
    if kind == "sim":
        values = {}
        for item in filter(None, rest.split(",")):
            key, eq, value = item.partition("=")
            if not eq or key.strip() not in _SIM_KEYS:
                raise RfspinError(f"backend spec {spec!r}: {item!r} is not KEY=VALUE with KEY in {sorted(_SIM_KEYS)}")
            try:
                values[_SIM_FIELDS[key.strip()]] = _SIM_KEYS[key.strip()](value)
            except ValueError:
                raise RfspinError(f"backend spec {spec!r}: {key}={value!r} is not a number") from None
        return SimulatorSpec(**values)
    if kind == "replay":
        if not rest:
            raise RfspinError(f"backend spec {spec!r}: give a folder, 'replay:DIR'")
        return ReplaySpec(Path(rest))
    if kind == "python":
        module_name, _, function_name = rest.rpartition(":")
        if not module_name or not function_name:
            raise RfspinError(f"backend spec {spec!r}: expected 'python:module:function'")
        return FunctionSpec(module_name, function_name)
    raise RfspinError(f"backend spec {spec!r}: must start with 'sim:', 'replay:' or 'python:'")


def parse_backend_spec(spec: str):
    """'sim:k=v,...' | 'replay:DIR' | 'python:module:function' -> a hardware backend."""
    return parse_backend_text(spec).build()
