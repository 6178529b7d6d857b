"""Run folders: building a task's network, reloading and evaluating runs, their plots.

Training a run is :func:`rfspin.tasks.run.run_training`.

A run folder holds ``metrics.json``, ``checkpoint.pt`` (RF network, resumable),
``baseline.pt`` (software MLP, with --baseline), ``program.json`` + CSVs (chip program) and PNG
plots (learning curves, one output chain's response, trained resonance frequencies).
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..data.datasets import RFDataset
from ..errors import RfspinError
from ..fileio import read_json
from ..nn.cnn import RFCNN
from ..nn.network import NetworkSpec, RFNetwork, SpecFields
from ..schemas.semantic import validate_run_metrics
from ..train.checkpoint import load_checkpoint, model_from_checkpoint
from ..train.trainer import evaluate_accuracy
from .registry import Task

__all__ = ["build_network_for", "evaluate_run", "load_run_model", "plot_run", "read_run_metrics"]

CHECKPOINT = "checkpoint.pt"
BASELINE = "baseline.pt"
METRICS = "metrics.json"


def build_network_for(task: Task, data: RFDataset, hidden: tuple[int, ...], seed: int,
                      spec_overrides: SpecFields | None = None) -> RFNetwork:
    """The task's dense RF network for ``data`` (its spec fields, then ``spec_overrides``), seeded."""
    fields = task.spec.updated(spec_overrides or SpecFields()).as_kwargs()
    if data.input_frequencies is not None:
        fields["input_frequencies"] = tuple(data.input_frequencies.tolist())
    spec = NetworkSpec(sizes=(data.n_features, *hidden, data.n_classes), **fields)
    return RFNetwork(spec, generator=torch.Generator().manual_seed(seed))


def read_run_metrics(run_dir: str | Path) -> dict:
    """The ``metrics.json`` of a run folder (clear errors when missing, corrupted or inconsistent)."""
    path = Path(run_dir) / METRICS
    return validate_run_metrics(read_json(path, "run metrics (is it a run folder?)"), f"run metrics {str(path)!r}")


def load_run_model(run_dir: str | Path, device: torch.device | str = "cpu") -> RFNetwork | RFCNN:
    """The trained RF network of a run folder, on ``device``."""
    ckpt = load_checkpoint(Path(run_dir) / CHECKPOINT)
    model = model_from_checkpoint(ckpt["model"])
    if not isinstance(model, (RFNetwork, RFCNN)):
        raise RfspinError(f"{run_dir}: checkpoint does not hold an RF network")
    return model.to(device)


def evaluate_run(model: RFNetwork, data: RFDataset) -> dict:
    return {
        "test_accuracy": evaluate_accuracy(model, data.x_test, data.y_test),
        "train_accuracy": evaluate_accuracy(model, data.x_train, data.y_train),
    }


@torch.no_grad()
def plot_run(model: RFNetwork | RFCNN, metrics: dict, out: Path) -> list[Path]:
    """The run's PNG plots (for a CNN: its convolution kernels' and dense head's chains)."""
    from ..physics.resonator import chain_weights_direct
    from ..plotting.core import (
        plot_chain_response,
        plot_learning_curves,
        plot_resonance_frequencies,
    )

    histories = {"RF spintronic": metrics["history"]}
    if "baseline_history" in metrics:
        histories["software baseline"] = metrics["baseline_history"]
    paths = [plot_learning_curves(histories, out / "learning_curves.png")]
    chains = model.resonator_layers if isinstance(model, RFNetwork) else (
        [conv.chains for conv in model.convs] + model.head.resonator_layers)
    last = chains[-1]

    def cpu(t):  # plots are made on the CPU in float64, wherever the model computes
        return t.detach().double().cpu()

    f_r = cpu(last.resonance_frequencies())
    tones = cpu(last.tone_frequencies)
    grid = torch.linspace(float(tones.min()) * 0.9, float(tones.max()) * 1.1, 2000, dtype=torch.float64)
    resp = chain_weights_direct(
        grid, f_r[:1], cpu(last.signs), cpu(last.sensitivity[:1]), cpu(last.damping[:1]),
        cpu(last.antisymmetric_weight[:1]), cpu(last.symmetric_weight[:1]),
    )[0]
    paths.append(
        plot_chain_response(
            grid.numpy(), resp.numpy(), tones.numpy(), f_r[0].numpy(), out / "chain_response.png",
            title="Output chain 0: rectified voltage per input power",
        )
    )
    layers = [(cpu(c.resonance_frequencies()).numpy(), cpu(c.anchor_frequencies).numpy()) for c in chains]
    paths.append(plot_resonance_frequencies(layers, out / "resonance_frequencies.png"))
    return paths
