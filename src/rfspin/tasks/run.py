"""The one run path of ``rfspin train``: a :class:`~rfspin.tasks.run_config.RunConfig` -> a run folder.

Analog, hardware-aware, chip-in-the-loop and binary-synapse runs all go through
:func:`run_training`: the same validation (before any folder is created), the same metrics
schema, a chip program for every dense RF network (for binary synapses: the hardened network).

Divergence: if an epoch's loss is not finite, training stops and the run folder is left
*complete* at the last finite epoch: ``checkpoint.pt`` and the program hold that epoch's
network, ``metrics.json`` its history plus ``"diverged": {"model", "epoch", "last_finite_loss"}``;
then :class:`~rfspin.train.trainer.TrainingDiverged` (an RfspinError, one line: "epoch E: loss
became non-finite (last finite loss X)") is raised. ``--resume`` continues from that checkpoint.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import torch
from torch import nn

from ..data.datasets import RFDataset
from ..device import resolve_device
from ..errors import RfspinError
from ..fileio import atomic_write_json, clean_stale_temp_files
from ..nn.binary import binarize, harden
from ..nn.cnn import RFCNN
from ..nn.network import RFNetwork, SoftwareMLP
from ..program.chip_program import (
    network_from_program,
    read_program,
    write_program_files,
)
from ..train.checkpoint import load_checkpoint, model_record, save_checkpoint
from ..train.trainer import TrainingDiverged, TrainResult, evaluate_accuracy, train
from .experiment import BASELINE, CHECKPOINT, METRICS, build_network_for, plot_run
from .registry import Task, task_for
from .run_config import RunConfig

__all__ = ["run_training"]


def _build_model(config: RunConfig, task: Task, data: RFDataset) -> tuple[nn.Module, tuple[int, ...]]:
    if config.program is not None:
        model = network_from_program(read_program(config.program))
        sizes = model.spec.sizes
        if sizes[0] != data.n_features or sizes[-1] != data.n_classes:
            raise RfspinError(f"program network {list(sizes)} does not fit the task: {data.n_features} features, "
                              f"{data.n_classes} classes")
        return model, sizes[1:-1]
    hidden = task.hidden if config.hidden is None else config.hidden
    if task.build is not None:
        if config.spec_overrides.as_kwargs():
            raise RfspinError(f"task {task.name!r} builds its own network: network spec overrides do not apply")
        return task.build(data, hidden, config.seed), hidden
    return build_network_for(task, data, hidden, config.seed, config.spec_overrides), hidden


def _prepare(config: RunConfig, task: Task, data: RFDataset, device: torch.device):
    """Model, training view, step hook: everything checked before the run folder exists."""
    model, hidden = _build_model(config, task, data)
    dense = isinstance(model, RFNetwork)
    for option, value in (("--devices", config.devices_file), ("--binary", config.binary),
                          ("--hw-aware", config.hardware_aware), ("--chip-in-the-loop", config.chip_in_the_loop)):
        if value is not None and not dense:
            raise RfspinError(f"{option} needs a dense RF network; task {task.name!r} builds a {type(model).__name__}")
    if config.init_from is not None:  # warm start: same architecture, trained state of another run
        model.load_state_dict(load_checkpoint(config.init_from / CHECKPOINT, model=model)["model"]["state"])
    if config.devices_file is not None:
        from ..calibration.devices import apply_devices, read_devices

        apply_devices(model, read_devices(config.devices_file))
    if config.binary is not None:
        b = config.binary
        binarize(model, half_split=b.half_split, center=b.center, mode=b.mode, relaxation=b.relaxation)
    model = model.to(device)
    trained, hook, backend = model, None, None
    if config.chip_in_the_loop is not None:
        from ..train.chip_in_the_loop import ChipInTheLoop

        backend = config.chip_in_the_loop.build()
        trained = ChipInTheLoop(model, backend)
    if config.hardware_aware is not None:
        from ..train.hardware_aware import HardwareAwareNetwork

        trained = HardwareAwareNetwork(model, config.hardware_aware)
        hook = trained.step_hook
    return model, hidden, trained, hook, backend


def _train(name: str, model, data, cfg, diverged: list, **kwargs) -> TrainResult:
    """``train``; on divergence the partial result (restored model, finished epochs), noting (name, error)."""
    try:
        return train(model, data, cfg, **kwargs)
    except TrainingDiverged as exc:
        diverged.append((name, exc))
        return TrainResult(model, exc.history, evaluate_accuracy(model, data.x_train, data.y_train),
                           evaluate_accuracy(model, data.x_test, data.y_test))


def run_training(config: RunConfig, task: Task | None = None) -> dict:
    """Train the RF network (and optionally the software baseline) of ``config``; write the run folder.

    ``task``: the task to run (default ``task_for(config.task)``; experiment files pass one with
    their own budgets and network). Returns the metrics written to ``metrics.json``. With chip-in-the-loop the chip's accuracies
    are the ``chip_*`` keys and ``test_accuracy`` is the twin's (what ``evaluate`` recomputes).
    """
    if not isinstance(config, RunConfig):
        raise RfspinError(f"run_training needs a RunConfig, got {type(config).__name__}")
    device = resolve_device(config.device)
    task = task_for(config.task) if task is None else task
    data = task.load(config.seed, config.data_dir)
    overrides = {k: v for k, v in (("epochs", config.epochs), ("max_shift", config.max_shift)) if v is not None}
    cfg = replace(task.rf_config, seed=config.seed, **overrides)
    if cfg.max_shift and data.image_shape is None:
        raise RfspinError(f"max_shift = {cfg.max_shift}: data set {data.name!r} is not an image set (no image_shape)")
    model, hidden, trained, hook, backend = _prepare(config, task, data, device)
    chip_before = None if backend is None else evaluate_accuracy(trained, data.x_test, data.y_test)
    out = config.out_dir
    out.mkdir(parents=True, exist_ok=True)  # only once data, model and options are valid
    clean_stale_temp_files(out)  # temp files of an interrupted earlier run (e.g. a killed plot)

    diverged: list[tuple[str, TrainingDiverged]] = []
    result = _train("rf", trained, data, cfg, diverged, checkpoint_path=None if config.binary else out / CHECKPOINT,
                    resume=config.resume, progress=config.progress, step_hook=hook)
    final = harden(model) if config.binary is not None else model
    if config.binary is not None:  # the run folder holds the hardened network
        save_checkpoint(out / CHECKPOINT, {"model": model_record(final), "history": list(result.history),
                                           "epoch": len(result.history), "train_config": asdict(cfg)})
    twin_accuracy = {}
    if backend is not None or config.binary is not None:  # the reported network is the twin / hardened one
        twin_accuracy = {"test_accuracy": evaluate_accuracy(final, data.x_test, data.y_test),
                         "train_accuracy": evaluate_accuracy(final, data.x_train, data.y_train)}
    baseline = {}
    if config.baseline and not diverged:
        bcfg = replace(task.baseline_config, seed=config.seed, **overrides)
        if task.build_baseline is not None:
            sw = task.build_baseline(data, hidden, config.seed)
        else:
            sw = SoftwareMLP(final.spec.sizes, generator=torch.Generator().manual_seed(config.seed))
        if config.init_from is not None and (config.init_from / BASELINE).is_file():  # same warm start
            sw.load_state_dict(load_checkpoint(config.init_from / BASELINE, model=sw)["model"]["state"])
        bres = _train("baseline", sw.to(device), data, bcfg, diverged, checkpoint_path=out / BASELINE,
                      resume=config.resume and (out / BASELINE).is_file(), progress=config.progress)
        baseline = {"baseline_test_accuracy": bres.test_accuracy, "baseline_train_accuracy": bres.train_accuracy,
                    "baseline_train_config": asdict(bcfg), "baseline_history": list(bres.history)}
    chip = {} if backend is None else {
        "chip_backend": repr(backend), "chip_test_accuracy_before": chip_before,
        "chip_test_accuracy": result.test_accuracy, "chip_train_accuracy": result.train_accuracy}
    failure = None if not diverged else {"model": diverged[0][0], **diverged[0][1].to_dict()}
    metrics = {
        "task": task.name,
        "test_accuracy": twin_accuracy.get("test_accuracy", result.test_accuracy),
        "train_accuracy": twin_accuracy.get("train_accuracy", result.train_accuracy),
        "epochs": cfg.epochs,
        "seed": config.seed,
        "sizes": list(final.spec.sizes) if isinstance(final, (RFNetwork, RFCNN)) else None,
        "n_synapses": final.n_synapses,
        "n_neurons": final.n_neurons,
        "n_train": len(data.y_train),
        "n_test": len(data.y_test),
        "train_config": asdict(cfg),
        "history": list(result.history),
        "data_source": data.source,
        "data_notes": data.notes,
        "data_image_shape": None if data.image_shape is None else list(data.image_shape),
        "reference": task.reference,
        "data_dir": None if config.data_dir is None else str(config.data_dir),
        "hardware_aware": None if config.hardware_aware is None else config.hardware_aware.to_dict(),
        "devices_file": None if config.devices_file is None else str(config.devices_file),
        "init_from": None if config.init_from is None else str(config.init_from),
        "binary": None if config.binary is None else config.binary.to_dict(),
        "device": str(device),
        "diverged": failure,
        "run_config": config.to_dict(),
        **chip,
        **baseline,
    }
    if isinstance(final, RFNetwork):
        write_program_files(final, out)
    atomic_write_json(out / METRICS, metrics)
    if config.plots and isinstance(final, (RFNetwork, RFCNN)) and metrics["history"]:
        plot_run(final, metrics, out)
    if diverged:
        raise diverged[0][1]
    return metrics
