"""Plots of energy estimates: per-layer breakdown by term, and energy vs accuracy of platforms."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core import figure, save_figure

__all__ = ["plot_energy_breakdown", "plot_platform_comparison", "plot_comparison_panels"]


def plot_energy_breakdown(
    layer_labels: list[str], layer_terms_j: list[dict[str, float]], terms: list[str], path: str | Path,
    title: str = "",
) -> Path:
    """Stacked horizontal bars: energy per inference [J] of each layer, split by term."""
    fig, ax = figure(figsize=(9, 0.6 * len(layer_labels) + 2.2))
    values = np.array([[d.get(t, 0.0) for t in terms] for d in layer_terms_j], dtype=float)
    top = float(values.sum(axis=1).max()) if values.size else 0.0
    scale, unit = next(((s, u) for s, u in ((1e-3, "mJ"), (1e-6, "uJ"), (1e-9, "nJ"), (1e-12, "pJ"))
                        if top >= s), (1e-15, "fJ"))
    y = np.arange(len(layer_labels))
    left = np.zeros(len(layer_labels))
    for k, term in enumerate(terms):
        width = values[:, k] / scale
        if np.any(width > 0):
            ax.barh(y, width, left=left, label=term, color=f"C{k}")
        left += width
    ax.set_yticks(y, layer_labels)
    ax.invert_yaxis()
    ax.set(xlabel=f"energy per inference ({unit})", title=title)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def _draw_comparison(ax, rows: list[dict], title: str) -> None:
    for r in rows:
        acc = r.get("test_accuracy_percent")
        x = r["energy_per_classification_j"]
        if acc is None:  # no measured accuracy: a vertical line at the estimated energy
            ax.axvline(x, color="C3", ls="--", lw=1)
            ax.text(x, 0.02, f" {r['name']} (accuracy not measured)", transform=ax.get_xaxis_transform(),
                    rotation=90, fontsize=7, color="C3", va="bottom", ha="right")
            continue
        published = r["kind"] == "published"
        ax.scatter([x], [acc], marker="o" if published else "*", s=50 if published else 160,
                   color="0.35" if published else "C3", zorder=3)
        ax.annotate(r["name"], (x, acc), textcoords="offset points", xytext=(6, 4), fontsize=7)
    ax.set_xscale("log")
    ax.set(xlabel="energy per classification (J)", ylabel="test accuracy (%)", title=title)
    ax.grid(alpha=0.3, which="both")
    xs = [r["energy_per_classification_j"] for r in rows]
    if xs:
        ax.set_xlim(min(xs) / 5, max(xs) * 20)


def plot_platform_comparison(rows: list[dict], path: str | Path, title: str = "") -> Path:
    """Energy per classification (log x) vs test accuracy; published platforms and rfspin networks.

    ``rows``: dicts with name, kind ('published' or 'rfspin'), energy_per_classification_j,
    test_accuracy_percent (None: a dashed vertical line at the estimated energy).
    """
    fig, ax = figure(figsize=(8, 5))
    _draw_comparison(ax, rows, title or "Energy per classification vs accuracy "
                                        "(grey: Goltz et al. 2021; red: rfspin estimates)")
    return save_figure(fig, path)


def plot_comparison_panels(panels: list[dict], path: str | Path) -> Path:
    """One panel per task family (accuracies of different tasks never share an axis).

    ``panels``: dicts with ``title`` and ``rows`` (as for :func:`plot_platform_comparison`).
    """
    fig, axes = figure(ncols=len(panels), figsize=(7 * len(panels), 5), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        _draw_comparison(ax, panel["rows"], panel["title"])
    return save_figure(fig, path)
