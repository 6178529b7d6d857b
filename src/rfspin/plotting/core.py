"""Plots of training and of the trained chips. matplotlib is imported lazily (Agg backend)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fileio import atomic_write

__all__ = ["figure", "save_figure", "plot_learning_curves", "plot_chain_response", "plot_resonance_frequencies"]


def figure(**kwargs):
    """A new (fig, ax) on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(**kwargs)


def save_figure(fig, path: str | Path) -> Path:
    """Save atomically as PNG and close the figure."""
    import matplotlib.pyplot as plt

    try:
        return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=130, bbox_inches="tight"))
    finally:
        plt.close(fig)


def plot_learning_curves(histories: dict[str, list[dict]], path: str | Path) -> Path:
    """Test/train accuracy and loss per epoch for each named run (e.g. RF vs software)."""
    fig, (ax_acc, ax_loss) = figure(ncols=2, figsize=(10, 3.8))
    for name, hist in histories.items():
        if not hist:
            continue
        ep = [h["epoch"] for h in hist]
        line = ax_acc.plot(ep, [100 * h["test_accuracy"] for h in hist], label=f"{name} test")[0]
        ax_acc.plot(ep, [100 * h["train_accuracy"] for h in hist], "--", color=line.get_color(), label=f"{name} train")
        ax_loss.semilogy(ep, [h["loss"] for h in hist], color=line.get_color(), label=name)
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="Training loss")
    ax_acc.legend(fontsize=8)
    ax_loss.legend(fontsize=8)
    ax_acc.grid(alpha=0.3)
    ax_loss.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_chain_response(
    freq_hz: np.ndarray,
    response_v_per_w: np.ndarray,
    tone_freq_hz: np.ndarray,
    resonance_freq_hz: np.ndarray,
    path: str | Path,
    title: str = "",
) -> Path:
    """Rectified voltage per unit power of one chain vs input frequency, tones marked."""
    fig, ax = figure(figsize=(10, 3.8))
    ax.plot(freq_hz / 1e6, response_v_per_w * 1e-3, lw=1, label="chain response")  # V/W -> mV/uW
    ax.axhline(0, color="k", lw=0.5)
    y0 = np.interp(tone_freq_hz, freq_hz, response_v_per_w) * 1e-3
    ax.plot(tone_freq_hz / 1e6, y0, ".", ms=4, color="C3", label="input tones (weights)")
    ax.vlines(resonance_freq_hz / 1e6, *ax.get_ylim(), colors="C2", lw=0.3, alpha=0.5, label="resonances")
    ax.set(xlabel="input frequency (MHz)", ylabel="rectified voltage (mV/uW)", title=title)
    ax.legend(fontsize=8, loc="upper right")
    return save_figure(fig, path)


def plot_resonance_frequencies(
    layers: list[tuple[np.ndarray, np.ndarray]], path: str | Path
) -> Path:
    """Trained f_jk per chain: detuning from the anchor (in MHz) for each layer as an image.

    ``layers``: list of (resonance_freq_hz (J, K), anchor_freq_hz (K,)).
    """
    fig, axes = figure(ncols=len(layers), figsize=(5 * len(layers), 3.8), squeeze=False)
    for ax, (f, anchors) in zip(axes[0], layers):
        det = (f - anchors[None, :]) / 1e6
        lim = float(np.abs(det).max()) or 1.0
        im = ax.imshow(det, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set(xlabel="position in chain (anchor tone)", ylabel="chain", title="f_r - anchor (MHz)")
        fig.colorbar(im, ax=ax)
    return save_figure(fig, path)
