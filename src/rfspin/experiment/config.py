"""Experiment configuration: one TOML document (units in the keys) -> a validated run.

A file may hold any subset of the keys of ``rfspin config show TASK``; the rest come from the
task (read from its :class:`~rfspin.tasks.registry.Task`, never copied). Resolution: validate
the file against the ``experiment`` JSON schema (unknown keys, wrong types and out-of-range
values are one-line errors naming the key), lay it over the task's complete configuration,
validate again. :func:`config_hash` is a stable hash of the resolved document without its
``[run]`` table (where and how the run is shown, not what it computes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from ..errors import RfspinError
from ..nn.network import NetworkSpec, SpecFields
from ..schemas import validate
from ..tasks.generic import AutoOperatingPoint, auto_task
from ..tasks.registry import Task, task_for
from ..tasks.run_config import RunConfig
from ..train.trainer import TrainConfig
from .devices import device_from_table, device_table
from .tomlio import apply_setting, dumps_toml, read_toml

__all__ = [
    "HASH_EXCLUDED",
    "build_run",
    "config_hash",
    "config_toml",
    "default_config",
    "load_config",
    "resolve_config",
]

#: Top-level tables left out of the hash (presentation, not computation).
HASH_EXCLUDED = ("run",)
_TRAIN_KEYS = {"epochs": "epochs", "batch_size": "batch_size", "learning_rate": "learning_rate",
               "weight_decay": "weight_decay", "cosine": "cosine", "max_shift_pixels": "max_shift"}


def _train_table(cfg: TrainConfig) -> dict:
    return {key: getattr(cfg, field) for key, field in _TRAIN_KEYS.items()}


def _is_auto_builder(task: Task) -> bool:
    return task.build is not None and getattr(task.build, "auto_operating_point", None) is not None


def default_config(task_name: str, seed: int = 0) -> dict:
    """The complete resolved configuration of task ``task_name`` (a name or a data file)."""
    task = task_for(task_name)
    spec = NetworkSpec(sizes=(1, 1), **task.spec.as_kwargs())
    auto = task.build.auto_operating_point if _is_auto_builder(task) else AutoOperatingPoint(False, False, False)
    return {
        "seed": seed,
        "device": "auto",
        "data": {"task": task_name},
        "network": {
            "hidden": list(task.hidden),
            "input_power_w": "auto" if auto.input_power else spec.input_power,
            "readout_scale_v": "auto" if auto.readout_scale else spec.readout_scale,
            "centre_biases": auto.centre_biases,
            "init_detuning_linewidths": spec.init_detuning,
            "input_plan": spec.plan,
            "hidden_plan": spec.hidden_plan,
            "min_frequency_hz": spec.min_frequency,
            "max_frequency_hz": spec.max_frequency,
        },
        "devices": {"resonator": device_table("resonator", spec.resonator),
                    "oscillator": device_table("oscillator", spec.oscillator)},
        "training": _train_table(task.rf_config),
        "baseline": {"enabled": False, **_train_table(task.baseline_config)},
        "run": {"plots": True, "progress": True},
    }


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def resolve_config(doc: dict, sets: list[str] | tuple[str, ...] = (), what: str = "experiment config") -> dict:
    """The complete configuration of ``doc`` (partial, as read) with ``KEY=VALUE`` settings applied."""
    for setting in sets:
        doc = apply_setting(doc, setting)
    for key, unit in (("input_power_w", "W"), ("readout_scale_v", "V")):  # clearer than the schema's anyOf
        value = doc.get("network", {}).get(key) if isinstance(doc.get("network"), dict) else None
        if isinstance(value, str) and value != "auto":
            raise RfspinError(f"{what}: network.{key} = {value!r}: must be \"auto\" or a number [{unit}]")
    validate(doc, "experiment", what)
    task_name = doc.get("data", {}).get("task", "drone")
    resolved = default_config(task_name, doc.get("seed", 0))
    devices = doc.get("devices", {})
    for kind in ("resonator", "oscillator"):  # a preset replaces the task's device, then its fields apply
        if kind in devices:
            base = None if "preset" in devices[kind] else _device(resolved, kind)
            table = device_table(kind, device_from_table(kind, devices[kind], base))
            if "preset" in devices[kind]:
                table["preset"] = devices[kind]["preset"]
            resolved["devices"][kind] = table
    rest = {k: v for k, v in doc.items() if k != "devices"}
    resolved = _merge(resolved, rest)
    validate(resolved, "experiment", what)
    if resolved["network"]["min_frequency_hz"] >= resolved["network"]["max_frequency_hz"]:
        raise RfspinError(f"{what}: network.min_frequency_hz = {resolved['network']['min_frequency_hz']!r}: must be "
                          f"below network.max_frequency_hz = {resolved['network']['max_frequency_hz']!r}")
    build_run(resolved, out_dir=Path("."), what=what)  # every dataclass check, before any work
    return resolved


def _device(resolved: dict, kind: str):
    return device_from_table(kind, resolved["devices"][kind])


def load_config(path: str | Path, sets: list[str] | tuple[str, ...] = ()) -> dict:
    """The resolved configuration of an experiment TOML file (errors name the file and the key)."""
    return resolve_config(read_toml(path, "experiment config"), sets, what=str(path))


def config_hash(resolved: dict) -> str:
    """Stable 16-hex-digit hash of what a resolved configuration computes (without ``[run]``)."""
    core = {k: v for k, v in resolved.items() if k not in HASH_EXCLUDED}
    text = json.dumps(core, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _train_config(table: dict, what: str, section: str) -> TrainConfig:
    try:
        return TrainConfig(**{field: table[key] for key, field in _TRAIN_KEYS.items()})
    except ValueError as exc:
        raise RfspinError(f"{what}: {section}: {exc}") from None


def _hardware_aware(resolved: dict, what: str):
    table = resolved.get("nonidealities")
    if table is None:
        return None
    from ..nonideal.config import parse_nonidealities
    from ..train.hardware_aware import HardwareAwareConfig

    table = dict(table)
    variant = table.pop("variant", "noisy")
    try:
        return HardwareAwareConfig(parse_nonidealities(table), variant=variant, seed=resolved["seed"])
    except ValueError as exc:
        raise RfspinError(f"{what}: nonidealities: {exc}") from None


def build_run(resolved: dict, out_dir: str | Path | None = None, what: str = "experiment config") -> tuple[RunConfig, Task]:
    """The RunConfig and the Task (budgets, network, operating point) of a resolved configuration."""
    net = resolved["network"]
    task = task_for(resolved["data"]["task"])
    auto = AutoOperatingPoint(net["input_power_w"] == "auto", net["readout_scale_v"] == "auto", net["centre_biases"])
    try:
        spec = SpecFields(
            input_power=None if auto.input_power else float(net["input_power_w"]),
            readout_scale=None if auto.readout_scale else float(net["readout_scale_v"]),
            plan=net["input_plan"], hidden_plan=net["hidden_plan"],
            min_frequency=float(net["min_frequency_hz"]), max_frequency=float(net["max_frequency_hz"]),
            init_detuning=float(net["init_detuning_linewidths"]),
            resonator=_device(resolved, "resonator"), oscillator=_device(resolved, "oscillator"))
    except ValueError as exc:
        raise RfspinError(f"{what}: network: {exc}") from None
    if task.build is not None and not _is_auto_builder(task):
        pass  # a task with its own network (e.g. convolutional) keeps it: [network] sets hidden only
    elif auto.input_power or auto.readout_scale or auto.centre_biases:
        task = auto_task(task, auto, spec)
    else:
        task = replace(task, spec=spec, build=None)
    training = resolved["training"]
    baseline = resolved["baseline"]
    task = replace(task, hidden=tuple(net["hidden"]),
                   rf_config=_train_config(training, what, "training"),
                   baseline_config=_train_config(baseline, what, "baseline"))
    run = resolved.get("run", {})
    out = run.get("out_dir") if out_dir is None else out_dir
    if out is None:
        out = Path("runs") / f"{Path(task.name).stem}-{config_hash(resolved)[:8]}-seed{resolved['seed']}"
    config = RunConfig(
        task=resolved["data"]["task"], out_dir=Path(out), seed=resolved["seed"], baseline=baseline["enabled"],
        data_dir=resolved["data"].get("data_dir"), hardware_aware=_hardware_aware(resolved, what),
        plots=run.get("plots", True), progress=run.get("progress", True), device=resolved["device"])
    return config, task


def config_toml(resolved: dict, title: str = "") -> str:
    """The resolved configuration as TOML that ``rfspin train --config`` accepts."""
    header = (f"{title}\n" if title else "") + (
        "rfspin experiment configuration (units in the keys); rfspin train --config FILE\n"
        f"config hash {config_hash(resolved)}")
    return dumps_toml(resolved, header)

