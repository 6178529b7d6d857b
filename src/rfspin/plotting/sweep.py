"""Plots of a sweep: accuracy against each swept key (error bars over seeds), energy vs accuracy."""

from __future__ import annotations

import statistics
from pathlib import Path

from .core import figure, save_figure

__all__ = ["plot_sweep"]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def plot_sweep(keys: tuple[str, ...], rows: list[dict], out: Path) -> list[Path]:
    """One PNG per swept key (a line per combination of the other keys; mean +- std over seeds),
    and ``energy_vs_accuracy.png`` when the rows have energies."""
    paths = []
    for key in keys:
        others = [k for k in keys if k != key]
        levels = list(dict.fromkeys(row[key] for row in rows))
        numeric = all(_number(v) is not None for v in levels)
        xs = {v: (_number(v) if numeric else i) for i, v in enumerate(levels)}
        fig, ax = figure(figsize=(5.5, 3.8))
        groups: dict[tuple, dict[str, list[float]]] = {}
        for row in rows:
            groups.setdefault(tuple(row[k] for k in others), {}).setdefault(row[key], []).append(
                100 * row["test_accuracy"])
        for combo, by_level in groups.items():
            points = sorted((xs[v], *_stats(acc)) for v, acc in by_level.items())
            label = ", ".join(f"{k}={v}" for k, v in zip(others, combo)) or None
            ax.errorbar([p[0] for p in points], [p[1] for p in points], yerr=[p[2] for p in points], marker="o",
                        capsize=3, label=label)
        if numeric and min(xs.values()) > 0 and max(xs.values()) / min(xs.values()) > 20:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(list(xs.values()), [v[:28] for v in levels], rotation=15, fontsize=7)
        ax.set_xlabel(key)
        ax.set_ylabel("test accuracy [%] (mean +- std over seeds)")
        if len(groups) > 1:
            ax.legend(fontsize=7)
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in key)
        paths.append(save_figure(fig, out / f"accuracy_vs_{safe}.png"))
    energy = [row for row in rows if row.get("energy_per_inference_j") is not None]
    if energy:
        fig, ax = figure(figsize=(5.5, 3.8))
        ax.scatter([r["energy_per_inference_j"] for r in energy], [100 * r["test_accuracy"] for r in energy])
        ax.set_xscale("log")
        ax.set_xlabel("energy per inference [J]")
        ax.set_ylabel("test accuracy [%]")
        paths.append(save_figure(fig, out / "energy_vs_accuracy.png"))
    return paths
