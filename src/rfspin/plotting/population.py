"""Plots of population coding: tuning curves, decoded function, error vs window and variability."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core import figure, save_figure

__all__ = ["plot_error_vs_variability", "plot_error_vs_window", "plot_function_fit", "plot_tuning_curves"]


def _np(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy() if hasattr(tensor, "detach") else np.asarray(tensor)


def plot_tuning_curves(curves, path: str | Path) -> Path:
    """Switching rate vs input current of every junction: simulated (dots, +-2 s.e.) and analytic (lines)."""
    currents = _np(curves.currents) * 1e6
    measured, analytic, error = _np(curves.measured_rate), _np(curves.analytic_rate), _np(curves.standard_error)
    fig, ax = figure(figsize=(8, 4))
    for i in range(measured.shape[1]):
        line = ax.plot(currents, analytic[:, i], lw=1)[0]
        ax.errorbar(currents, measured[:, i], yerr=2 * error[:, i], fmt=".", ms=3, lw=0.5, color=line.get_color())
    ax.set(xlabel="input current (uA)", ylabel="switching rate (1/s)",
           title=f"Tuning curves: simulated in {curves.window * 1e3:g} ms x {curves.trials} (dots), analytic (lines)")
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_function_fit(fit, path: str | Path) -> Path:
    """Decoded output (mean and range over test windows) against the target function."""
    x, target, decoded = _np(fit.x_test), _np(fit.y_target), _np(fit.y_decoded)
    fig, ax = figure(figsize=(7, 4))
    ax.plot(x, target, "k", lw=2, label=f"target {fit.target.formula}")
    ax.fill_between(x, decoded.min(0), decoded.max(0), color="C1", alpha=0.3, label=f"{decoded.shape[0]} windows")
    ax.plot(x, decoded.mean(0), "C1", lw=1, label="decoded (mean)")
    ax.set(xlabel="input x", ylabel="output",
           title=f"{fit.config.junctions} junctions, {fit.config.counting_window * 1e3:g} ms window: "
                 f"RMS error {100 * fit.relative_rms_error:.2f} % of amplitude")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_error_vs_window(rows: list[dict], dwell_time: float, threshold: float, path: str | Path) -> Path:
    """Relative RMS error vs counting window (log-log), with the count-noise prediction and the threshold."""
    windows = np.array([r["window_s"] for r in rows]) * 1e3
    mean = np.array([r["relative_rms_mean"] for r in rows])
    std = np.array([r["relative_rms_std"] for r in rows])
    fig, ax = figure(figsize=(6, 4))
    ax.errorbar(windows, mean, yerr=std, fmt="o-", label="measured (retrained readout)")
    ax.plot(windows, [r["predicted_noise"] for r in rows], "--", label="count noise of the readout (analytic)")
    ax.axhline(threshold, color="k", lw=0.8, ls=":", label=f"{100 * threshold:g} % of amplitude")
    ax.set(xscale="log", yscale="log", xlabel=f"counting window (ms); balanced dwell time {dwell_time * 1e3:g} ms",
           ylabel="RMS error / amplitude", title="Decoding error vs counting window")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return save_figure(fig, path)


def plot_error_vs_variability(rows: list[dict], path: str | Path) -> Path:
    """Relative RMS error vs barrier variability: readout retrained per chip vs the nominal readout."""
    sigma = np.array([r["sigma"] for r in rows]) * 100
    fig, ax = figure(figsize=(6, 4))
    for key, style, label in (("retrained", "o-", "readout retrained on each chip"),
                              ("frozen", "s--", "nominal chip's readout (not retrained)")):
        line = ax.plot(sigma, [r[f"{key}_mean"] for r in rows], style, label=f"{label}, mean")[0]
        for s_i, r in zip(sigma, rows):  # one dot per drawn chip: the spread is far from Gaussian
            ax.plot([s_i] * len(r[key]), r[key], ".", color=line.get_color(), alpha=0.5, ms=4)
    field = rows[0].get("field", "barrier_variability").replace("_variability", "").replace("_", " ")
    ax.set(yscale="log", xlabel=f"{field} variability, log-normal sigma (%)", ylabel="RMS error / amplitude",
           title="Decoding error vs device-to-device variability")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return save_figure(fig, path)


def plot_arm_transformation(fit, path: str | Path) -> Path:
    """Decoded hand positions against the true ones (the two-joint arm transformation)."""
    target, decoded = _np(fit.hand_target), _np(fit.hand_decoded)
    fig, ax = figure(figsize=(5, 4.5))
    ax.plot(target[:, 0], target[:, 1], "k.", ms=3, label="true hand position")
    ax.plot(decoded[:, 0], decoded[:, 1], ".", color="C1", ms=3, label="decoded from 2 populations")
    ax.set(xlabel="x (m)", ylabel="y (m)", aspect="equal",
           title=f"Two-joint arm, 2 x {fit.config.junctions} junctions: RMS "
                 f"{100 * float(fit.relative_rms_error.max()):.1f} % of range")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)
