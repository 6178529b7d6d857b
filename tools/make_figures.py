"""Regenerate the tables and the comparison plot that users read, from run folders and benchmark outputs.

    python tools/make_figures.py [--drone-run runs/drone-seed0] [--ross2023 runs/reproduce-ross2023]
                                 [--leroux2022 runs/reproduce-leroux2022]
                                 [--train-step benchmarks/results/train_step_1t.json ...]
                                 [--files README.md docs/*.md] [--plot docs/comparison.png] [--dry-run]

Every table lives between markers in the Markdown files, ``<!-- figures:NAME -->`` ... ``<!-- /figures -->``;
the script rewrites what is between them. Sections:

- ``drone-run``: the default ``rfspin train --task drone --baseline`` run (accuracies, measured
  training time = the sum of its epoch times), from ``--drone-run``'s ``metrics.json``;
- ``drone-table``: ``rfspin reproduce ross2023`` over seeds, from its ``reproduce.json`` and seed folders;
- ``mnist-table``: ``rfspin reproduce leroux2022``, from its ``reproduce.json``;
- ``speed-table``: ``benchmarks/bench_train_step.py --json``, one file per thread count;
- ``energy-table``, ``energy-presets-table``: energy estimates of the reference architectures under
  each technology preset (computed here by rfspin.energy);
- ``docs/comparison.png``: energy per classification vs accuracy, one panel per task family
  (MNIST: published platforms and rfspin MNIST runs; drone: rfspin drone runs).

A section whose inputs are missing is left untouched, with a warning: no figure is ever invented.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"(<!-- figures:(?P<name>[a-z0-9-]+) -->\n)(?P<body>.*?)(<!-- /figures -->)", re.DOTALL)

#: (architecture, preset, label, published figure) of the energy table
ENERGY_ROWS = (
    ("784-300-10", "spintronic-20nm", "784-300-10", "lecture: ~1 nJ"),
    ("lecture-cnn", "per-op-20nm", "lecture CNN (counts)", "lecture: 68 nJ"),
    ("784-128-10", "per-op-20nm", "784-128-10", ""),
    ("256-128-10", "ross2023-vortex", "drone 256-128-10 (today's devices)", ""),
)


def warn(message: str) -> None:
    print(f"make_figures: warning: {message}", file=sys.stderr)


def _metrics(run: Path) -> dict | None:
    from rfspin.tasks.experiment import read_run_metrics

    if not (run / "metrics.json").is_file():
        return None
    return read_run_metrics(run)


def _pct(x: float) -> str:
    return f"{100 * x:.2f}"


def _mean_std(values: list[float]) -> str:
    v = [100 * x for x in values]
    return f"{statistics.fmean(v):.2f} +- {statistics.stdev(v) if len(v) > 1 else 0.0:.2f}"


def drone_run(run: Path) -> str | None:
    m = _metrics(run)
    if m is None:
        return warn(f"drone-run: no {run / 'metrics.json'}")
    rf_s = sum(h.get("time_s", 0.0) for h in m["history"])
    text = (f"`rfspin train --task drone --baseline` printed `{m['task']}: RF network "
            f"{'-'.join(map(str, m['sizes']))}, {m['epochs']} epochs, seed {m['seed']}: test accuracy "
            f"{_pct(m['test_accuracy'])} % (train {_pct(m['train_accuracy'])} %)`; the RF network trained in "
            f"{rf_s:.0f} s (sum of its epoch times, each including the evaluation of both splits)")
    if "baseline_test_accuracy" in m:
        sw_s = sum(h.get("time_s", 0.0) for h in m.get("baseline_history", []))
        text += (f", the software MLP of the same shape and budget in {sw_s:.0f} s, reaching "
                 f"{_pct(m['baseline_test_accuracy'])} %")
    return text + f" (run folder `{run.name}`, measured by tools/make_figures.py)."


def drone_table(folder: Path) -> str | None:
    path = folder / "reproduce.json"
    if not path.is_file():
        return warn(f"drone-table: no {path}")
    r = json.loads(path.read_text())
    seed0 = _metrics(folder / "seed0") or {}
    rf, sw = r["rf_test_accuracy"], r["software_test_accuracy"]
    head = (f"| network (drone RF, 256-128-10, {r['epochs']} epochs, {r['seeds']} seeds) | test accuracy (%) "
            "| seed 0 (%) | paper |")
    devices = (f" ({seed0['n_synapses']} resonators, {seed0['n_neurons']} neurons)" if seed0 else "")
    lines = [head, "|---|---|---|---|",
             f"| RF spintronic MLP{devices} | {_mean_std(rf)} | {_pct(rf[0])} | 99.3-99.6 |",
             f"| software MLP (nn.Linear + ReLU) | {_mean_std(sw)} | {_pct(sw[0])} | 99.3-99.6 |", "",
             "Per seed (RF / software, %): " + ", ".join(f"{_pct(a)} / {_pct(b)}" for a, b in zip(rf, sw))
             + f"; RF epoch time {r['rf_epoch_time_s']:.2f} s (mean)."]
    return "\n".join(lines)


def mnist_table(folder: Path) -> str | None:
    path = folder / "reproduce.json"
    if not path.is_file():
        return warn(f"mnist-table: no {path}")
    rows = json.loads(path.read_text())["rows"]

    def epoch(hist):
        return f"{statistics.median(h['time_s'] for h in hist):.0f}" if hist else "n/a"

    lines = ["| network | epochs | neurons | resonators (synapses) | RF test acc. (%) | software test acc. (%) "
             "| RF s/epoch (median) | software s/epoch (median) |", "|---|---|---|---|---|---|---|---|"]
    for m in rows:
        lines.append(f"| {m['task']} {'-'.join(map(str, m['sizes']))} (seed {m['seed']}) | {m['epochs']} "
                     f"| {m['n_neurons']:,} | {m['n_synapses']:,} | {_pct(m['test_accuracy'])} "
                     f"| {_pct(m['baseline_test_accuracy'])} | {epoch(m['history'])} "
                     f"| {epoch(m.get('baseline_history', []))} |")
    return "\n".join(lines)


def speed_table(files: list[Path]) -> str | None:
    runs = [json.loads(p.read_text()) for p in files if p.is_file()]
    if not runs:
        return warn("speed-table: no bench_train_step.py --json output")
    runs.sort(key=lambda r: -r["threads"])
    exact = "rf-exact" if all("rf-exact" in r["results"] for r in runs) else "rf-fused"  # older files: rf-fused
    fast = "rf-fast" if all("rf-fast" in r["results"] for r in runs) else exact
    labels = {"linear": "nn.Linear + ReLU MLP, same shape",
              fast: "rfspin RFNetwork, default kernel (`auto`: the compiled exact kernel at this size)",
              exact: "rfspin RFNetwork, `kernel=\"exact\"` (compiled, closed-form backward)",
              "rf-direct": "direct broadcast of the chains x inputs x resonators tensor + autograd (authors' style)"}
    head = "| implementation | " + " | ".join(f"ms / step ({r['threads']} thread{'s' * (r['threads'] > 1)})"
                                             for r in runs) + " | peak memory above baseline |"
    lines = [head, "|---|" + "---|" * len(runs) + "---|"]
    for name, label in labels.items():
        cells = " | ".join(f"{r['results'][name]['ms_per_step']:.1f}" for r in runs)
        lines.append(f"| {label} | {cells} | {runs[0]['results'][name]['peak_mb_above_base']:.0f} MB |")
    ratios = ", ".join(f"{r['results']['rf-direct']['ms_per_step'] / r['results'][fast]['ms_per_step']:.1f}x "
                       f"({r['threads']} thread{'s' * (r['threads'] > 1)})" for r in runs)
    linear = ", ".join(f"{r['results'][fast]['ms_per_step'] / r['results']['linear']['ms_per_step']:.1f}x" for r in runs)
    lines += ["", f"rfspin (default kernel) vs the direct implementation: {ratios} faster; vs the nn.Linear MLP: "
                  f"{linear} its time (batch {runs[0]['batch']}, median of "
                  f"{runs[0]['steps']} steps, each implementation in its own process"
                  + ("; RF variants with more than one thread under `rfspin.nn.kernel_thread_plan`, as the trainer "
                     "runs them" if any(r["results"][fast].get("kernel_thread_plan") for r in runs) else "")
                  + ")."]
    return "\n".join(lines)


def energy_table() -> str:
    from rfspin.energy import architecture_counts, estimate_energy, preset_for
    from rfspin.energy.report import si

    lines = ["| network | preset | neurons | synapses | energy / classification | latency | published |",
             "|---|---|---:|---:|---:|---:|---|"]
    for arch, preset, label, published in ENERGY_ROWS:
        est = estimate_energy(architecture_counts(arch), preset_for(preset))
        t = est.totals
        lines.append(f"| {label} | {preset} | {t.n_neurons:,} | {t.n_synapses:,} | "
                     f"{si(est.energy_per_inference_j, 'J')} | {si(est.latency_s, 's')} | {published} |")
    return "\n".join(lines)


#: (architecture, label) x presets of docs/energy.md's table
PRESET_ROWS = (("256-128-10", "drone 256-128-10"), ("784-300-10", "MNIST 784-300-10"), ("lecture-cnn", "lecture CNN"))
PRESETS = ("spintronic-20nm", "ross2023-vortex", "per-op-20nm")
CNN_ROWS = (("rf-cnn", "rfspin CNN, time-sequential (`rf-cnn`)"),
            ("rf-cnn-parallel", "rfspin CNN, parallel chains (`rf-cnn-parallel`)"))


def energy_presets_table() -> str:
    from rfspin.energy import architecture_counts, estimate_energy, preset_for
    from rfspin.energy.report import si

    rows = [(a, label, p) for a, label in PRESET_ROWS for p in PRESETS]
    rows += [(a, label, "spintronic-20nm") for a, label in CNN_ROWS]
    lines = ["| network | preset | neurons | resonators | synaptic ops | energy / classification | per syn. op "
             "| per neuron op | latency | avg. power | area |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for arch, label, preset in rows:
        est = estimate_energy(architecture_counts(arch), preset_for(preset))
        t, op = est.totals, est.per_op()
        lines.append(f"| {label} | {preset} | {t.n_neurons:,} | {t.n_synapses:,} | {t.synaptic_ops:,} | "
                     f"{si(est.energy_per_inference_j, 'J')} | {si(op['energy_per_synaptic_op_j'], 'J')} | "
                     f"{si(op['energy_per_neuron_op_j'], 'J')} | {si(est.latency_s, 's')} | "
                     f"{si(est.average_power_w, 'W')} | {est.area_m2 * 1e6:.3g} mm2 |")
    return "\n".join(lines)


def comparison_panels(drone_runs: list[Path], mnist_runs: list[Path], preset: str = "spintronic-20nm") -> list[dict]:
    """Panels of the comparison plot; a task family without measured runs gets no panel."""
    from rfspin.energy import estimate_energy, load_platforms, network_counts, preset_for
    from rfspin.energy.report import comparison_rows
    from rfspin.tasks import load_run_model

    def network_rows(runs):
        rows = []
        for run in runs:
            m = _metrics(run)
            if m is None or not (run / "checkpoint.pt").is_file():
                warn(f"comparison: {run} is not a finished run folder; skipped")
                continue
            est = estimate_energy(network_counts(load_run_model(run)), preset_for(preset))
            sizes = "-".join(map(str, m.get("sizes") or []))
            rows.append({"kind": "rfspin", "name": f"rfspin {m['task']} {sizes}", "network": sizes,
                         "energy_per_classification_j": est.energy_per_inference_j,
                         "classifications_per_s": est.throughput_per_s,
                         "test_accuracy_percent": 100 * m["test_accuracy"], "source": str(run)})
        return rows

    panels = []
    mnist = network_rows(mnist_runs)
    # the published platforms are always shown; rfspin's MNIST points only from real run folders
    title = (f"MNIST: published platforms (grey) and rfspin ({preset}, red)" if mnist
             else "MNIST: published platforms (no rfspin run given)")
    panels.append({"title": title, "rows": comparison_rows(load_platforms(), []) + mnist})
    drone = network_rows(drone_runs)
    if drone:
        panels.append({"title": f"Drone RF fingerprints: rfspin ({preset})",
                       "rows": drone})
    return panels if mnist or drone else []  # no rfspin run folder: no plot at all


def rewrite(path: Path, sections: dict[str, str | None], dry_run: bool) -> list[str]:
    """Replace the body of every marked section that has new content; return the names replaced."""
    text = path.read_text(encoding="utf-8")
    done = []

    def replace(match):
        new = sections.get(match.group("name"))
        if new is None:
            return match.group(0)
        done.append(match.group("name"))
        return f"{match.group(1)}{new.rstrip()}\n{match.group(4)}"

    updated = MARKER.sub(replace, text)
    if updated != text and not dry_run:
        from rfspin.fileio import atomic_write_text

        atomic_write_text(path, updated)
    return done


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--drone-run", type=Path, default=ROOT / "runs" / "drone-seed0")
    p.add_argument("--ross2023", type=Path, default=ROOT / "runs" / "reproduce-ross2023")
    p.add_argument("--leroux2022", type=Path, default=ROOT / "runs" / "reproduce-leroux2022")
    p.add_argument("--train-step", type=Path, nargs="*", default=None,
                   help="bench_train_step.py --json outputs (default benchmarks/results/train_step*.json)")
    p.add_argument("--files", type=Path, nargs="*", default=None, help="Markdown files (default README.md, docs/*.md)")
    p.add_argument("--plot", type=Path, default=ROOT / "docs" / "comparison.png")
    p.add_argument("--dry-run", action="store_true", help="print the sections, change nothing")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from rfspin.fileio import clean_stale_temp_files

    train_step = args.train_step if args.train_step is not None else sorted(
        (ROOT / "benchmarks" / "results").glob("train_step*.json"))
    sections = {
        "drone-run": drone_run(args.drone_run),
        "drone-table": drone_table(args.ross2023),
        "mnist-table": mnist_table(args.leroux2022),
        "speed-table": speed_table(train_step),
        "energy-table": energy_table(),
        "energy-presets-table": energy_presets_table(),
    }
    files = args.files if args.files is not None else [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for path in files:
        done = rewrite(path, sections, args.dry_run)
        if done:
            print(f"{path}: {', '.join(done)}")
    if args.dry_run:
        for name, body in sections.items():
            print(f"--- {name}\n{body}")
    mnist_runs = sorted(args.leroux2022.glob("mnist*-seed*"))
    drone_runs = [args.drone_run] if (args.drone_run / "metrics.json").is_file() else []
    panels = comparison_panels(drone_runs, mnist_runs)
    if not panels:
        warn(f"comparison plot: no finished run folders; {args.plot} left untouched")
    elif not args.dry_run:
        from rfspin.plotting.energy import plot_comparison_panels

        clean_stale_temp_files(args.plot.parent)
        print(plot_comparison_panels(panels, args.plot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
