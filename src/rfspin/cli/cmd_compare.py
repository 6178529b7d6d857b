"""rfspin compare: energy per classification vs accuracy, rfspin networks beside published platforms."""

from __future__ import annotations

import argparse
from pathlib import Path

from .cmd_energy import add_model_options


def register(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="compare energy and accuracy with published platforms",
        description="Table and plot of energy per classification (log) vs test accuracy: the MNIST platforms "
                    "of Goltz et al. (2021) and rfspin networks at their measured accuracy and estimated energy.",
    )
    p.add_argument("run_dirs", nargs="*", type=Path, help="run folders written by 'rfspin train'")
    p.add_argument("--arch", nargs="*", default=[], help="architectures without a run (accuracy not measured)")
    add_model_options(p)
    p.add_argument("--platforms", type=Path, default=None, help="platform CSV (default: the packaged Goltz 2021 table)")
    p.add_argument("--out", type=Path, default=Path("comparison"), help="output folder (default ./comparison)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..energy import load_platforms
    from ..energy.report import comparison_rows, format_comparison_table
    from ..fileio import atomic_write_json, clean_stale_temp_files
    from ..tasks.experiment import read_run_metrics
    from .cmd_energy import network_estimate

    networks = []
    for run_dir in args.run_dirs:
        metrics = read_run_metrics(run_dir)
        _, est = network_estimate(run_dir, None, args)
        sizes = "-".join(map(str, metrics.get("sizes") or [])) or "rf"
        networks.append(_network_row(f"rfspin {metrics.get('task', '?')} {sizes}", sizes, est,
                                     100.0 * float(metrics["test_accuracy"]), str(run_dir)))
    for arch in args.arch:
        _, est = network_estimate(None, arch, args)
        networks.append(_network_row(f"rfspin {arch}", arch, est, None, f"--arch {arch}"))
    rows = comparison_rows(load_platforms(args.platforms), networks)
    clean_stale_temp_files(args.out)
    print(format_comparison_table(rows))
    paths = [atomic_write_json(args.out / "comparison.json", {"preset": args.preset, "disabled_terms": args.disable,
                                                               "rows": rows})]
    if not args.no_plot:
        from ..plotting.energy import plot_platform_comparison

        paths.append(plot_platform_comparison(rows, args.out / "comparison.png"))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _network_row(name: str, network: str, est, accuracy: float | None, source: str) -> dict:
    return {"name": f"{name} ({est.preset.name})", "network": network,
            "energy_per_classification_j": est.energy_per_inference_j,
            "classifications_per_s": est.throughput_per_s, "test_accuracy_percent": accuracy,
            "source": f"rfspin estimate, {source}"}
