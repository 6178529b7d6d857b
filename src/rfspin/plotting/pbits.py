"""Plots of p-bit computations: candidate answers of a factorization, max-cut comparisons.

matplotlib is imported lazily through :func:`rfspin.plotting.core.figure`.
"""

from __future__ import annotations

from pathlib import Path

from .core import figure, save_figure

__all__ = ["plot_answer_histogram", "plot_cut_comparison"]


def plot_answer_histogram(probabilities: dict[str, float], number: int, path: str | Path, top: int = 20) -> Path:
    """Bar chart of P(answer "XxY") (the most frequent ``top``), correct factorizations in colour."""
    items = list(probabilities.items())[:top]
    fig, ax = figure(figsize=(max(5.0, 0.4 * len(items) + 1.5), 3.4))
    colours = []
    for label, _ in items:
        x, y = (int(v) for v in label.split("x"))
        colours.append("C3" if x * y == number and min(x, y) > 1 else "C0")
    ax.bar(range(len(items)), [p for _, p in items], color=colours)
    ax.set_xticks(range(len(items)))
    ax.set_xticklabels([label.replace("x", " x ") for label, _ in items], rotation=60, fontsize=7)
    ax.set_ylabel("probability")
    ax.set_title(f"p-bit answers for N = {number} (red: X Y = N)")
    return save_figure(fig, path)


def plot_cut_comparison(metrics: dict, path: str | Path) -> Path:
    """Best and mean cut of each solver at (about) the same wall time."""
    names = [k for k in ("pbits", "neal", "simulated_bifurcation") if metrics.get(k)]
    fig, ax = figure(figsize=(5.5, 3.4))
    best = [metrics[k]["best_cut"] for k in names]
    mean = [metrics[k]["mean_cut"] for k in names]
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], best, width=0.4, label="best")
    ax.bar([x + 0.2 for x in xs], mean, width=0.4, label="mean")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([f"{k}\n{metrics[k]['wall_time_s']:.2g} s" for k in names], fontsize=8)
    low = min(mean) * 0.98
    ax.set_ylim(low, max(best) * 1.005)
    ax.set_ylabel("cut value")
    ax.set_title(f"max-cut on {metrics['graph']} ({metrics['nodes']} nodes)")
    ax.legend(fontsize=8)
    return save_figure(fig, path)
