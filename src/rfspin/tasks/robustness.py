"""Robustness studies: vectorised Monte-Carlo over chip instances and sweeps.

:func:`monte_carlo_accuracy` evaluates N chips in batched computations over chunks of chips
(the chip walk of :mod:`rfspin.nn.chip` with a leading chip dimension; no Python loop over
chips), so the memory is bounded by the chunk. On a CPU the chips' weights come from the fused
kernel :mod:`rfspin.nonideal.fused_weights` (numba) and chunks are cache-sized. :func:`robustness_study` runs a configuration and
one-at-a-time sweeps on a run folder and writes ``robustness.json``, ``robustness.csv`` and PNGs.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import torch
from torch import Tensor

from ..device import make_generator, resolve_device
from ..errors import RfspinError
from ..fileio import atomic_write_json, atomic_write_text, clean_stale_temp_files
from ..nn.chip import ChipHooks, sample_static
from ..nn.engine import run_layers
from ..nn.network import RFNetwork
from ..nonideal.config import describe, with_setting
from ..nonideal.fused_weights import fused_chain_weights
from ..nonideal.models import NonIdealities
from ..train.trainer import evaluate_accuracy
from .experiment import load_run_model, read_run_metrics
from .registry import task_for

__all__ = [
    "monte_carlo_accuracy",
    "MonteCarloHooks",
    "summarize",
    "chips_per_chunk",
    "robustness_study",
    "parse_sweep",
]

#: Default memory budget of one chunk of chips (weights + activations) [bytes] on a GPU: large
#: chunks keep it busy.
DEFAULT_CHUNK_BYTES = 256 * 2**20
#: ... and on a CPU: a chunk whose tensors stay in cache (the elementwise device physics of a
#: chunk then runs from cache, not memory; measured 1.2x faster than 256 MiB chunks on the drone
#: network, benchmarks/bench_montecarlo.py).
CPU_CHUNK_BYTES = 16 * 2**20


class MonteCarloHooks(ChipHooks):
    """Chip hooks for gradient-free evaluation: the chips' weights from the fused CPU kernel
    (:func:`rfspin.nonideal.fused_weights.fused_chain_weights`) where it applies, else the layer's
    own kernel (GPU, no numba). Same weights, same draws, same accuracies as :class:`ChipHooks`."""

    def build_weights(self, layer, tones, resonance_frequencies, half_linewidths, coeff_a, coeff_b):
        w = fused_chain_weights(tones, resonance_frequencies, half_linewidths, coeff_a, coeff_b)
        if w is None:
            return super().build_weights(layer, tones, resonance_frequencies, half_linewidths, coeff_a, coeff_b)
        return w


def chips_per_chunk(model: RFNetwork, n_samples: int, budget_bytes: int = DEFAULT_CHUNK_BYTES) -> int:
    """Chips whose weights (J x I per layer) and activations (B x J) fit in ``budget_bytes``."""
    per_chip = 0
    for layer in model.resonator_layers:
        per_chip += layer.n_chains * (layer.n_inputs + 3 * n_samples) + 8 * layer.n_resonators
    return max(1, int(budget_bytes // (4 * per_chip)))


@torch.no_grad()
def monte_carlo_accuracy(
    model: RFNetwork,
    nonideal: NonIdealities,
    x: Tensor,
    y: Tensor,
    n_chips: int,
    generator: torch.Generator,
    *,
    chunk_chips: int | None = None,
    fused: bool = True,
) -> Tensor:
    """Test accuracy (n_chips,) of ``n_chips`` independent chip instances of ``model``.

    Chips are drawn and evaluated ``chunk_chips`` at a time (default: :func:`chips_per_chunk` of
    ``CPU_CHUNK_BYTES`` on a CPU, ``DEFAULT_CHUNK_BYTES`` elsewhere);
    the results for a given generator seed depend on the chunk size only through the order of
    the random draws. Runs on the model's device (``x`` and ``y`` follow it); the draws come from
    ``generator`` on its own device, so a seed gives the same chips with a generator on the same
    device type. Returns the accuracies on the CPU. ``fused``: build the chips' weights with the
    fused CPU kernel where it applies (:class:`MonteCarloHooks`; False: the layers' own kernel).
    """
    if isinstance(n_chips, bool) or not isinstance(n_chips, int) or n_chips < 1:
        raise RfspinError(f"n_chips = {n_chips!r}: must be an integer >= 1")
    model.eval()
    device = model.input_power.device
    x = model.normalised_inputs(x, "Monte-Carlo inputs")  # checked once
    powers = x * model.input_power.to(x.dtype)
    y = y.to(device)
    budget = CPU_CHUNK_BYTES if device.type == "cpu" else DEFAULT_CHUNK_BYTES
    chunk = chunk_chips or chips_per_chunk(model, len(y), budget)
    accuracies = []
    for start in range(0, n_chips, chunk):
        c = min(chunk, n_chips - start)
        static = sample_static(model, nonideal, c, generator)
        hooks = (MonteCarloHooks if fused else ChipHooks)(static, nonideal, generator)
        out = run_layers(model.layers, powers.expand(c, *powers.shape), hooks)  # (c, B, n_out)
        accuracies.append((out.argmax(-1) == y).float().mean(-1))  # stays on the device: no sync per chunk
    return torch.cat(accuracies).cpu()


def summarize(accuracies: Tensor) -> dict:
    """mean, std, 5th percentile, min and max of per-chip accuracies [fraction]."""
    a = accuracies.double()
    return {
        "mean": float(a.mean()),
        "std": float(a.std()) if a.numel() > 1 else 0.0,
        "p05": float(torch.quantile(a, 0.05)),
        "min": float(a.min()),
        "max": float(a.max()),
    }


def parse_sweep(text: str) -> tuple[str, list[float]]:
    """'SECTION.KEY_UNIT=v1,v2,...' -> (setting, values)."""
    name, sep, values = text.partition("=")
    if not sep or not name or not values:
        raise RfspinError(f"--sweep {text!r}: expected SECTION.KEY_UNIT=v1,v2,... "
                          "e.g. programming_error.relative_sigma_percent=0,0.5,1")
    try:
        numbers = [float(v) for v in values.split(",")]
    except ValueError as exc:
        raise RfspinError(f"--sweep {text!r}: values must be numbers ({exc})") from exc
    return name.strip(), numbers


def _load_run(run_dir: Path, device: torch.device):
    meta = read_run_metrics(run_dir)
    task = task_for(meta["task"])
    data_dir = meta.get("data_dir")
    data = task.load(int(meta.get("seed", 0)), None if data_dir is None else Path(data_dir))
    model = load_run_model(run_dir, device)
    if not isinstance(model, RFNetwork):
        raise RfspinError(f"{run_dir}: Monte-Carlo over chip instances needs a dense RF network, "
                          f"not a {type(model).__name__}")
    return model, data, meta


def robustness_study(
    run_dir: str | Path,
    nonideal: NonIdealities,
    *,
    n_chips: int = 1000,
    sweeps: list[tuple[str, list[float]]] = (),
    seed: int = 0,
    chunk_chips: int | None = None,
    plots: bool = True,
    device: torch.device | str = "auto",
) -> dict:
    """Monte-Carlo test accuracy of a run's network under ``nonideal`` and one-at-a-time sweeps.

    Writes ``robustness.json`` (each setting: mean, std, p05, min, max accuracy over chips, plus
    the per-chip accuracies), ``robustness.csv`` and PNGs into ``run_dir``. ``device``: where the
    chips are simulated; their generator lives there too.
    """
    run_dir = Path(run_dir)
    device = resolve_device(device)
    model, data, meta = _load_run(run_dir, device)
    clean_stale_temp_files(run_dir)  # leftovers of an interrupted earlier study or plot
    settings = [("base", None, None, nonideal)]
    for name, values in sweeps:
        settings += [(f"{name}={v:g}", name, v, with_setting(nonideal, name, v)) for v in values]
    results = []
    for label, name, value, cfg in settings:
        t0 = time.perf_counter()
        gen = make_generator(device, seed)
        acc = monte_carlo_accuracy(model, cfg, data.x_test, data.y_test, n_chips, gen, chunk_chips=chunk_chips)
        results.append({"setting": label, "sweep": name, "value": value, **summarize(acc),
                        "time_s": time.perf_counter() - t0, "accuracies": acc.tolist()})
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["setting", "sweep", "value", "mean", "std", "p05", "min", "max", "n_chips"])
    for r in results:
        writer.writerow([r["setting"], r["sweep"] or "", "" if r["value"] is None else r["value"],
                         *(f"{r[k]:.6f}" for k in ("mean", "std", "p05", "min", "max")), n_chips])
    atomic_write_text(run_dir / "robustness.csv", buf.getvalue())
    plot_paths = []
    if plots:
        from ..plotting.robustness import plot_accuracy_distributions, plot_sweeps

        plot_paths = [str(p) for p in (plot_accuracy_distributions(results, run_dir / "robustness_distributions.png"),
                                       *plot_sweeps(results, run_dir))]
    report = {  # built once, written as is
        "run": str(run_dir), "task": meta["task"], "n_chips": n_chips, "seed": seed, "device": str(device),
        "ideal_test_accuracy": evaluate_accuracy(model, data.x_test, data.y_test),
        "nonideal": describe(nonideal), "results": results, **({"plots": plot_paths} if plots else {}),
    }
    atomic_write_json(run_dir / "robustness.json", report)
    return report
