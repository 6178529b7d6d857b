"""Running one experiment configuration: the run folder gets the resolved config and provenance."""

from __future__ import annotations

from pathlib import Path

from ..fileio import atomic_write_json, atomic_write_text
from ..tasks.run import run_training
from .config import build_run, config_hash, config_toml
from .provenance import collect_provenance

__all__ = ["EXPERIMENT_JSON", "EXPERIMENT_TOML", "run_experiment"]

EXPERIMENT_TOML = "experiment.toml"
EXPERIMENT_JSON = "experiment.json"


def run_experiment(resolved: dict, out_dir: str | Path | None = None) -> dict:
    """Train the run of a resolved configuration; return its metrics plus ``config_hash``.

    The run folder also holds ``experiment.toml`` (the resolved configuration: ``rfspin train
    --config`` on it repeats the run) and ``experiment.json`` (hash, configuration, provenance).
    """
    config, task = build_run(resolved, out_dir)
    metrics = run_training(config, task=task)
    digest = config_hash(resolved)
    atomic_write_text(config.out_dir / EXPERIMENT_TOML, config_toml(resolved, f"run folder {config.out_dir}"))
    atomic_write_json(config.out_dir / EXPERIMENT_JSON,
                      {"config_hash": digest, "config": resolved, "provenance": collect_provenance()})
    return {**metrics, "config_hash": digest, "out_dir": str(config.out_dir)}
