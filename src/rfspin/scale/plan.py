"""Sweep files: the product (grid) or a random sample of experiment keys, times seeds.

A sweep TOML (see docs/experiments.md)::

    out_dir = "sweeps/drone-power-band"     # relative to the sweep file
    seeds = [0, 1, 2]
    mode = "grid"                          # or "random" (then: samples = N, sample_seed = S)
    energy_preset = "ross2023-vortex"      # optional: energy per inference of every trained network
    [base]                                 # a partial experiment configuration (or base_file = "exp.toml")
    data.task = "drone"
    training.epochs = 20
    [grid]                                 # key -> values; a table value sets several keys at once
    "network.input_power_w" = [1e-7, 3e-7, 1e-6]
    band = [{"network.min_frequency_hz" = 20e6, "network.max_frequency_hz" = 120e6},
            {"network.min_frequency_hz" = 40e6, "network.max_frequency_hz" = 240e6}]
    [random]                               # mode = "random": key -> {uniform|log_uniform|int_uniform = [lo, hi]}
    [resources]                            #   or {choice = [...]}
    cpus_per_trial = 1
    gpus_per_trial = 0.0
    max_retries = 2

Every trial is a resolved experiment configuration; its hash (:func:`rfspin.experiment.config_hash`,
seed included) names its result, so a rerun skips trials already finished.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RfspinError
from ..experiment.config import config_hash, resolve_config
from ..experiment.tomlio import apply_setting, dumps_toml, read_toml
from ..schemas import validate

__all__ = ["SWEEP_SCHEMA", "SweepPlan", "Trial", "load_sweep", "plan_from_dict"]

_DISTRIBUTIONS = ("uniform", "log_uniform", "int_uniform", "choice")
_NUMBER = {"type": "number", "minimum": -3.4028234663852886e38, "maximum": 3.4028234663852886e38}
SWEEP_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "out_dir": {"type": "string", "minLength": 1},
        "seeds": {"type": "array", "minItems": 1, "maxItems": 10000,
                  "items": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}},
        "mode": {"enum": ["grid", "random"]},
        "samples": {"type": "integer", "minimum": 1, "maximum": 100000},
        "sample_seed": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
        "energy_preset": {"type": "string"},
        "base": {"type": "object"},
        "base_file": {"type": "string", "minLength": 1},
        "grid": {"type": "object", "additionalProperties": {"type": "array", "minItems": 1, "maxItems": 10000}},
        "random": {"type": "object", "additionalProperties": {
            "type": "object", "minProperties": 1, "maxProperties": 1,
            "propertyNames": {"enum": list(_DISTRIBUTIONS)},
            "additionalProperties": {"type": "array", "minItems": 1}}},
        "resources": {"type": "object", "additionalProperties": False, "properties": {
            "cpus_per_trial": {"type": "number", "exclusiveMinimum": 0, "maximum": 4096},
            "gpus_per_trial": {"type": "number", "minimum": 0, "maximum": 64},
            "max_retries": {"type": "integer", "minimum": 0, "maximum": 100}}},
    },
}


@dataclass(frozen=True)
class Trial:
    """One run: its swept values (label -> value as written), seed, resolved config and hash."""

    values: dict
    seed: int
    config: dict
    hash: str


@dataclass(frozen=True)
class SweepPlan:
    out_dir: Path
    trials: tuple[Trial, ...]
    keys: tuple[str, ...]
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    max_retries: int = 2
    energy_preset: str | None = None
    base: dict = field(default_factory=dict)


def _flatten(prefix: str, value) -> list[str]:
    """Dotted KEY=VALUE settings of a (possibly nested) table."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _flatten(f"{prefix}.{k}" if prefix else k, v)]
    return [f"{prefix}={_literal(value)}"]


def _literal(value) -> str:
    return dumps_toml({"v": value}).split("=", 1)[1].strip()


def _settings(label: str, value) -> list[str]:
    if isinstance(value, dict):  # several keys at once
        return [s for k, v in value.items() for s in _flatten(k, v)]
    return [f"{label}={_literal(value)}"]


def _draw(label: str, spec: dict, rng: random.Random):
    (kind, args), = spec.items()
    if kind == "choice":
        return rng.choice(args)
    if len(args) != 2 or not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args) \
            or not args[0] < args[1]:
        raise RfspinError(f"sweep: random.{label}.{kind} = {args!r}: need [low, high] numbers with low < high")
    low, high = args
    if kind == "uniform":
        return rng.uniform(low, high)
    if kind == "int_uniform":
        return rng.randint(int(low), int(high))
    if low <= 0:
        raise RfspinError(f"sweep: random.{label}.log_uniform = {args!r}: bounds must be > 0")
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def plan_from_dict(doc: dict, root: Path = Path("."), what: str = "sweep", sets=()) -> SweepPlan:
    """The trials of a parsed sweep document (paths relative to ``root``); ``sets`` (KEY=VALUE)
    apply to its base configuration."""
    validate(doc, SWEEP_SCHEMA, what)
    base = dict(doc.get("base", {}))
    if "base_file" in doc:
        if base:
            raise RfspinError(f"{what}: give [base] or base_file, not both")
        base = read_toml(root / doc["base_file"], "experiment config")
    for setting in sets:
        base = apply_setting(base, setting)
    mode = doc.get("mode", "grid")
    if mode == "grid":
        grid = doc.get("grid", {})
        keys = tuple(grid)
        combos = [dict(zip(keys, values)) for values in itertools.product(*grid.values())]
    else:
        space = doc.get("random", {})
        if not space:
            raise RfspinError(f"{what}: mode = 'random' needs a [random] table of keys")
        rng = random.Random(doc.get("sample_seed", 0))
        keys = tuple(space)
        combos = [{k: _draw(k, space[k], rng) for k in keys} for _ in range(doc.get("samples", 10))]
    trials, seen = [], set()
    for values in combos:
        sets = [s for k, v in values.items() for s in _settings(k, v)]
        for seed in doc.get("seeds", [0]):
            resolved = resolve_config(base, [*sets, f"seed={seed}", "run.progress=false", "run.plots=false"],
                                      what=f"{what} trial {values} seed {seed}")
            digest = config_hash(resolved)
            if digest not in seen:  # the same run twice (e.g. a repeated grid value) runs once
                seen.add(digest)
                trials.append(Trial(values, seed, resolved, digest))
    resources = doc.get("resources", {})
    energy = doc.get("energy_preset")
    if energy is not None:
        from ..energy.presets import preset_for

        preset_for(energy)  # unknown names fail before any trial
    out = root / doc.get("out_dir", "sweep-results")
    return SweepPlan(out, tuple(trials), keys, float(resources.get("cpus_per_trial", 1.0)),
                     float(resources.get("gpus_per_trial", 0.0)), int(resources.get("max_retries", 2)), energy, base)


def load_sweep(path: str | Path, sets: list[str] | tuple[str, ...] = ()) -> SweepPlan:
    """The plan of a sweep TOML file; ``sets`` (KEY=VALUE) apply to its [base]."""
    path = Path(path)
    return plan_from_dict(read_toml(path, "sweep file"), path.parent, what=str(path), sets=sets)
