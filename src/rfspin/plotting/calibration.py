"""Plots of calibration fits: measured data, fitted model and residuals."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core import figure, save_figure

__all__ = ["plot_fit"]


def plot_fit(x: np.ndarray, y: np.ndarray, y_fit: np.ndarray, path: str | Path, *, x_label: str, y_label: str,
             title: str = "", x_scale: float = 1.0, y_scale: float = 1.0) -> Path:
    """Data (points) and fit (line) above, residuals below; axes scaled by ``x_scale``/``y_scale``."""
    fig, (ax, ax_res) = figure(nrows=2, figsize=(7, 5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    xs = np.asarray(x) * x_scale
    ax.plot(xs, np.asarray(y) * y_scale, ".", ms=3, color="C0", label="measured")
    ax.plot(xs, np.asarray(y_fit) * y_scale, "-", lw=1.5, color="C3", label="least-squares fit")
    ax.set(ylabel=y_label, title=title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax_res.plot(xs, (np.asarray(y) - np.asarray(y_fit)) * y_scale, ".", ms=2, color="C2")
    ax_res.axhline(0, color="k", lw=0.5)
    ax_res.set(xlabel=x_label, ylabel="residual")
    ax_res.grid(alpha=0.3)
    return save_figure(fig, path)
