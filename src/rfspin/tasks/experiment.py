"""Train / evaluate / export runs on a task, writing a run folder.

A run folder holds ``metrics.json``, ``checkpoint.pt`` (RF network, resumable),
``baseline.pt`` (software MLP, with --baseline), ``program.json`` + CSVs (chip program) and PNG
plots (learning curves, one output chain's response, trained resonance frequencies).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import torch

from ..data.datasets import RFDataset
from ..errors import RfspinError
from ..fileio import atomic_write_json, clean_stale_temp_files, read_json
from ..nn.cnn import RFCNN
from ..nn.network import NetworkSpec, RFNetwork, SoftwareMLP
from ..program.chip_program import (
    network_from_program,
    read_program,
    write_program_files,
)
from ..schemas.semantic import validate_run_metrics
from ..train.checkpoint import load_checkpoint, model_from_checkpoint
from ..train.trainer import evaluate_accuracy, train
from .registry import Task

__all__ = ["build_network_for", "run_training", "evaluate_run", "load_run_model", "plot_run", "read_run_metrics"]

CHECKPOINT = "checkpoint.pt"
BASELINE = "baseline.pt"
METRICS = "metrics.json"


def build_network_for(task: Task, data: RFDataset, hidden: tuple[int, ...], seed: int, **spec_overrides) -> RFNetwork:
    fields = {**task.spec, **spec_overrides}
    if data.input_frequencies is not None:
        fields["input_frequencies"] = tuple(data.input_frequencies.tolist())
    spec = NetworkSpec(sizes=(data.n_features, *hidden, data.n_classes), **fields)
    return RFNetwork(spec, generator=torch.Generator().manual_seed(seed))


def _check_program_fits(model: RFNetwork, data: RFDataset) -> None:
    sizes = model.spec.sizes
    if sizes[0] != data.n_features or sizes[-1] != data.n_classes:
        raise RfspinError(
            f"program network {list(sizes)} does not fit the task: {data.n_features} features, "
            f"{data.n_classes} classes"
        )


def run_training(
    task: Task,
    out_dir: str | Path,
    *,
    hidden: tuple[int, ...] | None = None,
    epochs: int | None = None,
    seed: int = 0,
    baseline: bool = False,
    resume: bool = False,
    program_path: str | Path | None = None,
    progress: bool = True,
    plots: bool = True,
    spec_overrides: dict | None = None,
    data_dir: str | Path | None = None,
    hardware_aware=None,
    devices_path: str | Path | None = None,
    chip_in_the_loop=None,
    init_from: str | Path | None = None,
    max_shift: int | None = None,
) -> dict:
    """Train the RF network (and optionally the software MLP) on ``task``; write the run folder.

    ``epochs``, ``max_shift``: override the task's training configurations (RF and baseline alike).

    ``hardware_aware``: a :class:`rfspin.train.hardware_aware.HardwareAwareConfig` to train
    through randomly drawn non-ideal chips (resampled every step).
    ``devices_path``: a devices file (:mod:`rfspin.calibration.devices`): every device of the
    network gets its measured parameters before training.
    ``chip_in_the_loop``: a hardware backend (:mod:`rfspin.hardware`): train with the forward
    pass measured on it and the backward pass through the twin; the reported accuracies are the
    chip's (``chip_*`` keys), ``test_accuracy`` stays the twin's (what ``evaluate`` recomputes).
    """
    out = Path(out_dir)
    data = task.load(seed, None if data_dir is None else Path(data_dir))
    overrides = {k: v for k, v in (("epochs", epochs), ("max_shift", max_shift)) if v is not None}
    cfg = replace(task.rf_config, seed=seed, **overrides)
    if program_path is not None:
        model = network_from_program(read_program(program_path))
        _check_program_fits(model, data)
        hidden = model.spec.sizes[1:-1]
    else:
        hidden = task.hidden if hidden is None else tuple(hidden)
        if task.build is not None:
            model = task.build(data, hidden, seed)
        else:
            model = build_network_for(task, data, hidden, seed, **(spec_overrides or {}))
    if init_from is not None:  # warm start: same architecture, trained state of another run
        model.load_state_dict(load_checkpoint(Path(init_from) / CHECKPOINT)["model"]["state"])
    if devices_path is not None:
        from ..calibration.devices import apply_devices, read_devices

        apply_devices(model, read_devices(devices_path))
    trained, hook = model, None
    if chip_in_the_loop is not None:
        from ..train.chip_in_the_loop import ChipInTheLoop

        if resume or hardware_aware is not None:
            raise RfspinError("chip-in-the-loop training cannot be combined with --resume or --hw-aware")
        trained = ChipInTheLoop(model, chip_in_the_loop)
        chip_before = evaluate_accuracy(trained, data.x_test, data.y_test)
    if hardware_aware is not None:
        from ..train.hardware_aware import HardwareAwareNetwork

        trained = HardwareAwareNetwork(model, hardware_aware)
        hook = trained.step_hook
    if cfg.max_shift and "image_shape" not in data.notes:
        raise RfspinError(f"max_shift = {cfg.max_shift}: data set {data.name!r} is not an image set (no image_shape)")
    out.mkdir(parents=True, exist_ok=True)  # only once data, model and options are valid
    clean_stale_temp_files(out)  # temp files of an interrupted earlier run (e.g. a killed plot)
    result = train(trained, data, cfg, checkpoint_path=out / CHECKPOINT, resume=resume, progress=progress,
                   step_hook=hook)
    result.model = model
    metrics = {
        "task": task.name,
        "test_accuracy": result.test_accuracy,
        "train_accuracy": result.train_accuracy,
        "epochs": cfg.epochs,
        "seed": seed,
        "sizes": list(model.spec.sizes) if isinstance(model, (RFNetwork, RFCNN)) else None,
        "n_synapses": model.n_synapses,
        "n_neurons": model.n_neurons,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "train_config": asdict(cfg),
        "history": result.history,
        "data_source": data.source,
        "data_notes": data.notes,
        "reference": task.reference,
        "data_dir": None if data_dir is None else str(data_dir),
        "hardware_aware": None if hardware_aware is None else hardware_aware.to_dict(),
        "devices_file": None if devices_path is None else str(devices_path),
        "init_from": None if init_from is None else str(init_from),
    }
    if chip_in_the_loop is not None:
        metrics.update(
            chip_backend=repr(chip_in_the_loop),
            chip_test_accuracy_before=chip_before,
            chip_test_accuracy=result.test_accuracy,
            chip_train_accuracy=result.train_accuracy,
            test_accuracy=evaluate_accuracy(model, data.x_test, data.y_test),
            train_accuracy=evaluate_accuracy(model, data.x_train, data.y_train),
        )
    if baseline:
        bcfg = replace(task.baseline_config, seed=seed, **overrides)
        if task.build_baseline is not None:
            sw = task.build_baseline(data, hidden, seed)
        else:
            sw = SoftwareMLP(model.spec.sizes, generator=torch.Generator().manual_seed(seed))
        if init_from is not None and (Path(init_from) / BASELINE).is_file():  # same warm start
            sw.load_state_dict(load_checkpoint(Path(init_from) / BASELINE)["model"]["state"])
        bres = train(sw, data, bcfg, checkpoint_path=out / BASELINE, resume=resume and (out / BASELINE).is_file(),
                     progress=progress)
        metrics.update(
            baseline_test_accuracy=bres.test_accuracy,
            baseline_train_accuracy=bres.train_accuracy,
            baseline_train_config=asdict(bcfg),
            baseline_history=bres.history,
        )
    if isinstance(model, RFNetwork):
        write_program_files(model, out)
    atomic_write_json(out / METRICS, metrics)
    if plots and isinstance(model, (RFNetwork, RFCNN)):
        plot_run(model, metrics, out)
    return metrics


def read_run_metrics(run_dir: str | Path) -> dict:
    """The ``metrics.json`` of a run folder (clear errors when missing, corrupted or inconsistent)."""
    path = Path(run_dir) / METRICS
    return validate_run_metrics(read_json(path, "run metrics (is it a run folder?)"), f"run metrics {str(path)!r}")


def load_run_model(run_dir: str | Path) -> RFNetwork:
    """The trained RF network of a run folder."""
    ckpt = load_checkpoint(Path(run_dir) / CHECKPOINT)
    model = model_from_checkpoint(ckpt["model"])
    if not isinstance(model, (RFNetwork, RFCNN)):
        raise RfspinError(f"{run_dir}: checkpoint does not hold an RF network")
    return model


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
    f_r = last.resonance_frequencies()
    tones = last.tone_frequencies.double()
    grid = torch.linspace(float(tones.min()) * 0.9, float(tones.max()) * 1.1, 2000, dtype=torch.float64)
    resp = chain_weights_direct(
        grid, f_r[:1].double(), last.signs.double(), last.sensitivity[:1].double(), last.damping[:1].double(),
        last.antisymmetric_weight[:1].double(), last.symmetric_weight[:1].double(),
    )[0]
    paths.append(
        plot_chain_response(
            grid.numpy(), resp.numpy(), tones.numpy(), f_r[0].double().numpy(), out / "chain_response.png",
            title="Output chain 0: rectified voltage per input power",
        )
    )
    layers = [(l.resonance_frequencies().double().numpy(), l.anchor_frequencies.double().numpy())
              for l in chains]
    paths.append(plot_resonance_frequencies(layers, out / "resonance_frequencies.png"))
    return paths
