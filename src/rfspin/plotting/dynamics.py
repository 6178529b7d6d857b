"""Plots of spin-torque oscillators in time: power traces, spectra with fitted lines, Arnold tongues.

Inputs are NumPy arrays in SI units; axes show convenient units (us, MHz, kHz). matplotlib is
imported lazily through :func:`rfspin.plotting.core.figure`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core import figure, save_figure

__all__ = ["plot_arnold_tongue", "plot_network_transient", "plot_oscillator_power", "plot_spectrum"]


def plot_oscillator_power(time_s: np.ndarray, power: np.ndarray, current_a: np.ndarray, p0: np.ndarray,
                          path: str | Path) -> Path:
    """Normalised power p(t) (records, currents) of the first trial, the steady state p0 dashed."""
    fig, ax = figure(figsize=(7, 3.6))
    for i in range(power.shape[1]):
        ax.plot(time_s * 1e6, power[:, i], lw=0.8, color=f"C{i % 10}", label=f"{current_a[i] * 1e6:.3g} uA")
        ax.axhline(p0[i], color=f"C{i % 10}", ls="--", lw=0.8)
    ax.set_xlabel("time (us)")
    ax.set_ylabel("p = |c|^2")
    ax.set_title("Oscillator power (first trial; dashed: p0)")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def plot_spectrum(frequencies_hz: np.ndarray, spectrum: np.ndarray, current_a: np.ndarray, fits,
                  path: str | Path) -> Path:
    """Power spectral density (frequencies, currents) on a log scale with each fitted Lorentzian."""
    fig, ax = figure(figsize=(7, 3.8))
    for i in range(spectrum.shape[1]):
        color = f"C{i % 10}"
        label = f"{current_a[i] * 1e6:.3g} uA"
        fit = fits[i]
        if fit is not None:
            label += f": FWHM {fit.fwhm / 1e3:.3g} kHz"
        ax.semilogy(frequencies_hz / 1e6, spectrum[:, i], lw=0.6, color=color, label=label)
        if fit is not None:
            model = fit.peak / (1 + ((frequencies_hz - fit.center) / (0.5 * fit.fwhm)) ** 2) + fit.offset
            ax.semilogy(frequencies_hz / 1e6, np.clip(model, spectrum[spectrum > 0].min(), None), lw=1.0,
                        color=color, ls="--")
    widths = [f.fwhm for f in fits if f is not None]
    if widths:  # zoom on the lines: +-25 of the widest FWHM around the fitted centres
        centers = [f.center for f in fits if f is not None]
        span = 25 * max(widths)
        ax.set_xlim((min(centers) - span) / 1e6, (max(centers) + span) / 1e6)
    ax.set_xlabel("frequency (MHz)")
    ax.set_ylabel("spectral density (1/Hz)")
    ax.set_title("Power spectrum (dashed: Lorentzian fit)")
    ax.legend(fontsize=7)
    return save_figure(fig, path)


def plot_arnold_tongue(frequencies_hz: np.ndarray, amplitudes: np.ndarray, locked: np.ndarray, center_hz: float,
                       half_width_hz: np.ndarray, path: str | Path) -> Path:
    """Locked fraction (amplitudes, frequencies) as an image, the Adler boundary f(p0) +- half-width over it."""
    fig, ax = figure(figsize=(6.5, 4.2))
    offsets = (frequencies_hz - center_hz) / 1e3
    image = ax.pcolormesh(offsets, amplitudes, locked, shading="nearest", cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="locked fraction")
    for sign in (-1, 1):
        ax.plot(sign * half_width_hz / 1e3, amplitudes, color="C3", lw=1.5,
                label="Adler F sqrt(1 + nu^2) / sqrt(p0)" if sign > 0 else None)
    ax.set_xlabel(f"drive frequency - f(p0) (kHz), f(p0) = {center_hz / 1e6:.4g} MHz")
    ax.set_ylabel("drive amplitude F (1/s)")
    ax.set_title("Arnold tongue")
    ax.legend(fontsize=7, loc="upper right")
    return save_figure(fig, path)


def plot_network_transient(time_s: np.ndarray, outputs: np.ndarray, static: np.ndarray, settling_time: float,
                           latency: float, path: str | Path) -> Path:
    """Output voltages (records, n_out) after the input switches on, the static outputs dashed, the
    settling time and the energy model's latency as vertical lines."""
    fig, ax = figure(figsize=(7, 3.8))
    for j in range(outputs.shape[1]):
        ax.plot(time_s * 1e6, outputs[:, j] * 1e3, lw=0.9, color=f"C{j % 10}")
        ax.axhline(static[j] * 1e3, color=f"C{j % 10}", ls="--", lw=0.6)
    if np.isfinite(settling_time):
        ax.axvline(settling_time * 1e6, color="k", lw=1.0, label=f"settled (1 %): {settling_time * 1e6:.3g} us")
    ax.axvline(latency * 1e6, color="C3", lw=1.0, ls=":", label=f"energy-model latency: {latency * 1e6:.3g} us")
    ax.set_xlabel("time after the input switches on (us)")
    ax.set_ylabel("output voltage (mV)")
    ax.set_title("RF network in time (dashed: static forward pass)")
    ax.legend(fontsize=7)
    return save_figure(fig, path)
