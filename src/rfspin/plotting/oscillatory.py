"""Plots of the oscillator reservoir and the vowel synchronization network."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core import figure, save_figure

__all__ = ["plot_confusion_matrix", "plot_reservoir_response", "plot_vowel_sync_map"]


def plot_confusion_matrix(matrix: np.ndarray, path: str | Path, title: str = "", labels=None) -> Path:
    """Counts (true rows, predicted columns) with the numbers written in the cells."""
    matrix = np.asarray(matrix)
    n = len(matrix)
    fig, ax = figure(figsize=(0.5 * n + 2.5, 0.5 * n + 2))
    im = ax.imshow(matrix, cmap="Blues")
    for i in range(n):
        for j in range(n):
            if matrix[i, j]:
                ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ticks = list(range(n))
    names = [str(x) for x in (labels if labels is not None else ticks)]
    ax.set(xticks=ticks, yticks=ticks, xticklabels=names, yticklabels=names, xlabel="predicted", ylabel="true")
    accuracy = np.trace(matrix) / max(matrix.sum(), 1)
    ax.set_title(f"{title}\naccuracy {100 * accuracy:.1f} %" if title else f"accuracy {100 * accuracy:.1f} %",
                 fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    return save_figure(fig, path)


def plot_reservoir_response(trace: dict, path: str | Path, frames: int = 3) -> Path:
    """The oscillator's power and input current over the first ``frames`` frames of one utterance,
    virtual-neuron samples (end of each theta) marked."""
    theta = trace["theta_s"]
    nodes_per_frame = None
    times = np.asarray(trace["time_s"])
    node_t = np.asarray(trace["node_time_s"])
    if "nodes" in trace:
        nodes_per_frame = trace["nodes"]
    limit = node_t[min(len(node_t), frames * (nodes_per_frame or len(node_t))) - 1]
    keep = times <= limit
    keep_nodes = node_t <= limit
    fig, (ax_i, ax_p) = figure(nrows=2, sharex=True, figsize=(10, 5))
    ax_i.step(times[keep] * 1e6, np.asarray(trace["current_a"])[keep] * 1e3, where="pre", lw=0.6)
    ax_i.set(ylabel="current (mA)", title=f"oscillator reservoir: one utterance, theta = {theta * 1e9:.3g} ns per "
             "virtual neuron")
    ax_p.plot(times[keep] * 1e6, np.asarray(trace["power"])[keep], lw=0.7, label="power p = |c|^2")
    ax_p.plot(node_t[keep_nodes] * 1e6, np.asarray(trace["node_power"])[keep_nodes], ".", ms=2.5, color="C3",
              label="virtual-neuron samples")
    if nodes_per_frame:
        for f in range(1, frames):
            for ax in (ax_i, ax_p):
                ax.axvline(f * nodes_per_frame * theta * 1e6, color="gray", lw=0.8, ls="--")
    ax_p.set(xlabel="time (us)", ylabel="normalised power p")
    ax_p.legend(fontsize=8, loc="upper right")
    for ax in (ax_i, ax_p):
        ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_vowel_sync_map(grid_f1: np.ndarray, grid_f2: np.ndarray, pattern_grid: np.ndarray, points_f1: np.ndarray,
                        points_f2: np.ndarray, point_labels: np.ndarray, class_names, pattern_names,
                        path: str | Path, title: str = "", classes_as_colours: bool = False) -> Path:
    """The (F1, F2) plane coloured by the network's synchronization pattern, vowels on top.
    ``classes_as_colours``: the grid holds class indices, coloured like the class's points."""
    from matplotlib.colors import ListedColormap

    fig, ax = figure(figsize=(8, 6.5))
    n_patterns = max(int(pattern_grid.max()) + 1, len(pattern_names))
    cmap = ListedColormap([f"C{c % 10}" for c in range(n_patterns)]) if classes_as_colours else "tab20"
    ax.pcolormesh(grid_f1, grid_f2, pattern_grid, cmap=cmap, vmin=-0.5 if classes_as_colours else 0,
                  vmax=n_patterns - 0.5 if classes_as_colours else max(n_patterns - 1, 1),
                  alpha=0.3 if classes_as_colours else 0.45, shading="auto")
    markers = "o^sDv<>phH*X"
    for c, name in enumerate(class_names):
        sel = point_labels == c
        ax.scatter(points_f1[sel], points_f2[sel], s=9, marker=markers[c % len(markers)], label=name,
                   color=f"C{c % 10}", edgecolors="k" if classes_as_colours else "none", linewidths=0.2)
    ax.set(xlabel="F1 (Hz)", ylabel="F2 (Hz)", title=title or "vowels: synchronization pattern in the (F1, F2) plane")
    ax.legend(fontsize=7, ncol=2, loc="upper right", markerscale=2)
    return save_figure(fig, path)
