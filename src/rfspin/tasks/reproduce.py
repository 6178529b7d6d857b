"""Reproductions of published results: several seeds, a table of mean +- std.

Studies register in ``STUDIES`` (name -> function(out_dir, seeds, epochs, progress, device) -> dict
with "rows" and "markdown"; ``device`` as ``--device``: "auto", "cpu", "cuda" ...).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

from ..fileio import atomic_write_json, atomic_write_text
from .run import run_training
from .run_config import RunConfig

__all__ = ["STUDIES", "register_study", "reproduce_ross2023", "mean_std"]

STUDIES: dict[str, Callable[..., dict]] = {}


def register_study(name: str):
    def deco(fn):
        STUDIES[name] = fn
        return fn

    return deco


def mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _pct(values: list[float]) -> str:
    m, s = mean_std([100 * v for v in values])
    return f"{m:.2f} +- {s:.2f}"


@register_study("ross2023")
def reproduce_ross2023(out_dir: str | Path, seeds: int = 5, epochs: int | None = None, progress: bool = True,
                       device: str = "auto") -> dict:
    """Drone RF fingerprints, 256-128-10: RF network and software MLP, ``seeds`` seeds."""
    out = Path(out_dir)
    runs = []
    for seed in range(seeds):
        m = run_training(RunConfig("drone", out / f"seed{seed}", seed=seed, epochs=epochs, baseline=True,
                                   progress=progress, plots=seed == 0, device=device))
        runs.append(m)
        print(f"seed {seed}: RF {100 * m['test_accuracy']:.2f} %, software {100 * m['baseline_test_accuracy']:.2f} %")
    rf = [m["test_accuracy"] for m in runs]
    sw = [m["baseline_test_accuracy"] for m in runs]
    per_epoch = [statistics.fmean(h["time_s"] for h in m["history"]) for m in runs]
    ep = runs[0]["epochs"]
    md = "\n".join([
        f"| network (drone RF, 256-128-10, {ep} epochs, {seeds} seeds) | test accuracy (%) | seed 0 (%) | paper |",
        "|---|---|---|---|",
        f"| RF spintronic MLP ({runs[0]['n_synapses']} resonators, {runs[0]['n_neurons']} neurons) | {_pct(rf)} | "
        f"{100 * rf[0]:.2f} | 99.3-99.6 |",
        f"| software MLP (nn.Linear + ReLU) | {_pct(sw)} | {100 * sw[0]:.2f} | 99.3-99.6 |",
    ])
    result = {
        "study": "ross2023",
        "seeds": seeds,
        "epochs": ep,
        "rf_test_accuracy": rf,
        "software_test_accuracy": sw,
        "rf_mean": mean_std(rf)[0],
        "rf_std": mean_std(rf)[1],
        "software_mean": mean_std(sw)[0],
        "software_std": mean_std(sw)[1],
        "rf_epoch_time_s": statistics.fmean(per_epoch),
        "markdown": md,
    }
    atomic_write_json(out / "reproduce.json", result)
    atomic_write_text(out / "table.md", md + "\n")
    return result
