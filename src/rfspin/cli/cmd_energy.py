"""rfspin energy: energy, latency and area per inference of a trained run or an architecture."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import RfspinError, RfspinFileNotFoundError
from .common import add_device_argument, device_from_args, lazy_help
from .main import CLIError

DEFAULT_PRESET = "spintronic-20nm"


def register(sub) -> None:
    p = sub.add_parser(
        "energy",
        help="energy, latency and area per inference",
        description="Estimate energy, latency and area per classification of an RF network, per layer, "
                    "with every assumption listed (energy.json) and a PNG breakdown.",
    )
    p.add_argument("run_dir", nargs="?", type=Path, help="run folder written by 'rfspin train'")
    p.add_argument("--arch", default=None, help=lazy_help(_arch_help))
    add_model_options(p)
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: the run folder, or energy-ARCH for --arch)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG breakdown")
    p.add_argument("--activity", action="store_true",
                   help="with a run folder: measure activation sparsity and effective MACs on its test data")
    p.add_argument("--samples", type=int, default=1000, help="test samples for --activity (default 1000)")
    add_device_argument(p)  # where --activity runs the network
    p.set_defaults(func=run)


def _arch_help() -> str:
    from ..energy import NAMED_ARCHITECTURES

    return (f"architecture instead of a run, e.g. 784-300-10, or one of "
            f"{sorted(NAMED_ARCHITECTURES) + ['rf-cnn', 'rf-cnn-parallel']}")


def _preset_help() -> str:
    from ..energy import PRESETS

    return f"technology preset, one of {sorted(PRESETS)} (default {DEFAULT_PRESET})"


def _terms_help() -> str:
    from ..energy import TERMS

    return f"energy terms to switch off: {', '.join(TERMS)}"


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default=DEFAULT_PRESET, help=lazy_help(_preset_help))
    p.add_argument("--disable", nargs="*", default=[], metavar="TERM", help=lazy_help(_terms_help))


def network_estimate(run_dir: Path | None, arch: str | None, args: argparse.Namespace) -> tuple:
    """(label, EnergyEstimate) of a run folder or of an architecture string."""
    from ..energy import architecture_counts, estimate_energy, network_counts, preset_for
    from ..tasks import load_run_model

    preset = preset_for(args.preset)
    if (run_dir is None) == (arch is None):
        raise CLIError("give either a run folder or --arch (not both)")
    if arch is not None:
        return arch, estimate_energy(architecture_counts(arch), preset, disabled=tuple(args.disable))
    if not (run_dir / "checkpoint.pt").is_file():
        raise RfspinFileNotFoundError(f"{run_dir / 'checkpoint.pt'} does not exist: is {run_dir} a run folder?")
    model = load_run_model(run_dir)
    return str(run_dir), estimate_energy(network_counts(model), preset, disabled=tuple(args.disable))


def measured_activity(run_dir: Path, samples: int, device="cpu") -> list[dict]:
    """Activation sparsity and effective MACs of a run's model on its task's test data."""
    from ..energy.activity import activation_stats
    from ..tasks import load_run_model, task_for
    from ..tasks.experiment import read_run_metrics

    if samples < 1:
        raise RfspinError(f"--samples {samples}: must be >= 1")
    metrics = read_run_metrics(run_dir)
    data_dir = Path(metrics["data_dir"]) if metrics.get("data_dir") else None
    data = task_for(metrics["task"]).load(int(metrics.get("seed", 0)), data_dir)
    return activation_stats(load_run_model(run_dir, device), data.x_test[:samples])


def run(args: argparse.Namespace) -> int:
    from ..energy.report import format_energy_table, write_energy_report
    from ..fileio import clean_stale_temp_files

    if args.activity and args.run_dir is None:
        raise CLIError("--activity needs a run folder (data to measure on), not --arch")
    label, est = network_estimate(args.run_dir, args.arch, args)
    out = args.out or (args.run_dir if args.run_dir is not None else Path(f"energy-{args.arch}"))
    print(format_energy_table(est, title=f"{label}: energy, latency and area per classification"))
    print("derivation:")
    for line in est.derivation:
        print(f"  {line}")
    extra = {}
    if args.activity:
        stats = measured_activity(args.run_dir, args.samples, device_from_args(args))
        extra = {"activity": stats, "effective_macs": sum(s["effective_macs"] for s in stats)}
        print("measured activity (NeuroBench activation sparsity of each chain layer's input tones):")
        for i, s in enumerate(stats):
            print(f"  chain layer {i} ({s['kind']}): sparsity {s['activation_sparsity']:.3f}, mean tone power "
                  f"{s['mean_tone_power_w']:.4g} W, effective MACs {s['effective_macs']:.4g} of {s['macs']:,}")
        print(f"  effective MACs per inference: {extra['effective_macs']:.4g}")
    clean_stale_temp_files(out)
    paths = write_energy_report(est, out, source=label, plot=not args.no_plot, extra=extra)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
