"""Plots of superparamagnetic junctions in time: telegraph traces, dwell times, sigmoid, switching rate.

Inputs are NumPy arrays in SI units; axes show convenient units (uA, us, kOhm). matplotlib is
imported lazily through :func:`rfspin.plotting.core.figure`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core import figure, save_figure

__all__ = ["plot_telegraph_traces", "plot_dwell_time_histograms", "plot_mean_state", "plot_switching_rate"]


def _time_axis(seconds: np.ndarray) -> tuple[float, str]:
    span = float(np.max(seconds)) if seconds.size else 1.0
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")):
        if span >= 10 * scale:
            return scale, unit
    return 1e-12, "ps"


def plot_telegraph_traces(
    time_s: np.ndarray, resistance_ohm: np.ndarray, current_a: np.ndarray, path: str | Path, max_points: int = 4000
) -> Path:
    """Resistance vs time, one stacked panel per current. ``resistance_ohm``: (records, currents)."""
    shown = min(len(time_s), max_points)
    n = resistance_ohm.shape[1]
    fig, axes = figure(nrows=n, figsize=(9, 0.9 + 0.9 * n), sharex=True, squeeze=False)
    scale, unit = _time_axis(time_s[:shown])
    for i, ax in enumerate(axes[:, 0]):
        ax.step(time_s[:shown] / scale, resistance_ohm[:shown, i] / 1e3, where="post", lw=0.7, color=f"C{i % 10}")
        ax.set_ylabel("R (kOhm)", fontsize=7)
        ax.text(1.005, 0.5, f"{current_a[i] * 1e6:+.1f} uA", transform=ax.transAxes, fontsize=7, va="center")
        ax.tick_params(labelsize=7)
    axes[0, 0].set_title("Telegraph switching (first trial)")
    axes[-1, 0].set_xlabel(f"time ({unit})")
    return save_figure(fig, path)


def plot_dwell_time_histograms(panels: list[dict], path: str | Path) -> Path:
    """Dwell-time histograms in P and AP, scaled by their theoretical means, against exp(-t/tau).

    ``panels``: dicts with ``current_a``, ``parallel_s``, ``antiparallel_s`` (dwell times [s]) and
    ``tau_parallel_s``, ``tau_antiparallel_s`` (theory [s]); one panel per current.
    """
    fig, axes = figure(ncols=len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
    u = np.linspace(0, 8, 200)
    for ax, panel in zip(axes[0], panels):
        for key, tau_key, label, color in (("parallel_s", "tau_parallel_s", "P", "C0"),
                                           ("antiparallel_s", "tau_antiparallel_s", "AP", "C3")):
            dwell, tau = np.asarray(panel[key]), float(panel[tau_key])
            if dwell.size == 0:
                continue
            scale, unit = _time_axis(np.array([10 * tau]))
            ax.hist(dwell / tau, bins=np.linspace(0, 8, 33), density=True, histtype="step", color=color,
                    label=f"{label}: {dwell.size} dwells, mean {dwell.mean() / scale:.3g} {unit} "
                          f"(tau = {tau / scale:.3g} {unit})")
        ax.plot(u, np.exp(-u), "--", color="k", lw=1, label="exp(-t / tau)")
        ax.set_yscale("log")
        ax.set(xlabel="dwell time / tau (theory)", ylabel="probability density",
               title=f"I = {panel['current_a'] * 1e6:+.1f} uA")
        ax.legend(fontsize=6)
    return save_figure(fig, path)


def _curve(ax, current_a, value, half_width, fine_current_a, fine_theory, label_theory):
    ax.plot(fine_current_a * 1e6, fine_theory, "-", color="k", lw=1, label=label_theory)
    ax.errorbar(current_a * 1e6, value, yerr=half_width, fmt="o", ms=3.5, color="C3", capsize=2,
                label="simulation (99 % CI over trials)")
    ax.set_xlabel("current (uA)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)


def plot_mean_state(
    current_a: np.ndarray, mean_state: np.ndarray, half_width: np.ndarray,
    fine_current_a: np.ndarray, theory: np.ndarray, path: str | Path,
) -> Path:
    """Time-averaged state <m> (+1 AP, -1 P) vs current: simulation with CIs and the theoretical sigmoid."""
    fig, ax = figure(figsize=(6, 4))
    _curve(ax, current_a, mean_state, half_width, fine_current_a, theory, "theory tanh((Delta_AP - Delta_P)/2)")
    ax.set(ylabel="<m>  (AP = +1, P = -1)", title="Time-averaged state: a sigmoid of the current", ylim=(-1.08, 1.08))
    return save_figure(fig, path)


def plot_switching_rate(
    current_a: np.ndarray, rate_per_s: np.ndarray, half_width: np.ndarray,
    fine_current_a: np.ndarray, theory_per_s: np.ndarray, path: str | Path,
) -> Path:
    """Switching events per second vs current: the bell-shaped tuning curve, simulation and theory."""
    fig, ax = figure(figsize=(6, 4))
    _curve(ax, current_a, rate_per_s, half_width, fine_current_a, theory_per_s, "theory 2 / (tau_P + tau_AP)")
    ax.set(ylabel="switching rate (1/s)", title="Switching rate: a bell-shaped tuning curve")
    ax.set_ylim(bottom=0)
    return save_figure(fig, path)
