"""Robustness plots: per-chip accuracy distributions and accuracy vs non-ideality magnitude."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core import figure, save_figure

__all__ = ["plot_accuracy_distributions", "plot_sweeps", "plot_sweep_comparison"]


def plot_accuracy_distributions(results: list[dict], path: str | Path) -> Path:
    """Histogram of the per-chip test accuracy for every setting (``results`` of a study)."""
    fig, ax = figure(figsize=(8, 4))
    bins = np.linspace(0, 100, 101)
    for r in results:
        ax.hist(100 * np.asarray(r["accuracies"]), bins=bins, histtype="step", lw=1.2,
                label=f"{r['setting']} (mean {100 * r['mean']:.1f} %)")
    ax.set(xlabel="test accuracy of a chip (%)", ylabel="chips", title="Accuracy over chip instances")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def plot_sweeps(results: list[dict], out_dir: str | Path) -> list[Path]:
    """One PNG per swept key: mean +- std, 5th percentile and min accuracy vs the key's value."""
    paths = []
    for name in dict.fromkeys(r["sweep"] for r in results if r["sweep"]):
        rows = sorted((r for r in results if r["sweep"] == name), key=lambda r: r["value"])
        paths.append(plot_sweep_comparison({"": rows}, name, Path(out_dir) / f"robustness_{name.replace('.', '_')}.png"))
    return paths


def plot_sweep_comparison(curves: dict[str, list[dict]], name: str, path: str | Path) -> Path:
    """Accuracy vs ``name`` for several networks: {label: sweep rows with value/mean/std/p05/min}."""
    fig, ax = figure(figsize=(7, 4))
    for label, rows in curves.items():
        v = np.array([r["value"] for r in rows])
        mean = 100 * np.array([r["mean"] for r in rows])
        std = 100 * np.array([r["std"] for r in rows])
        line = ax.plot(v, mean, "o-", label=f"{label} mean".strip())[0]
        ax.fill_between(v, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        ax.plot(v, 100 * np.array([r["p05"] for r in rows]), "--", color=line.get_color(), label=f"{label} 5th pct".strip())
        ax.plot(v, 100 * np.array([r["min"] for r in rows]), ":", color=line.get_color(), label=f"{label} min".strip())
    ax.set(xlabel=name, ylabel="test accuracy (%)", title=f"Accuracy vs {name}", ylim=(0, 100))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return save_figure(fig, path)
