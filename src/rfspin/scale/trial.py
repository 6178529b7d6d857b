"""One sweep trial, as a Ray task or in-process: train, write its result keyed by the config hash."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..fileio import atomic_write_json, read_json

__all__ = ["PID_FILE", "finished_result", "result_path", "run_trial"]

#: The trial's process id, written when it starts (to find a trial's process, e.g. to kill it).
PID_FILE = "trial.pid"


def result_path(out_dir: Path, digest: str) -> Path:
    return Path(out_dir) / "results" / f"{digest}.json"


def finished_result(out_dir: Path, digest: str) -> dict | None:
    """The stored result of trial ``digest``, or None when it has not finished (or is unreadable)."""
    path = result_path(out_dir, digest)
    if not path.is_file():
        return None
    try:
        result = read_json(path, "sweep trial result")
    except ValueError:
        return None  # a damaged result: the trial runs again
    return result if isinstance(result, dict) and result.get("config_hash") == digest else None


def run_trial(config: dict, digest: str, out_dir: str, energy_preset: str | None = None, threads: int = 1) -> dict:
    """Train one resolved configuration into ``out_dir/trials/<hash>``; store and return its result."""
    import torch

    from ..experiment.run import run_experiment

    torch.set_num_threads(max(1, threads))
    trial_dir = Path(out_dir) / "trials" / digest
    trial_dir.mkdir(parents=True, exist_ok=True)
    (trial_dir / PID_FILE).write_text(str(os.getpid()))
    t0 = time.perf_counter()
    metrics = run_experiment(config, trial_dir)
    result = {
        "config_hash": digest, "seed": config["seed"], "test_accuracy": metrics["test_accuracy"],
        "train_accuracy": metrics["train_accuracy"], "baseline_test_accuracy": metrics.get("baseline_test_accuracy"),
        "epochs": metrics["epochs"], "wall_s": time.perf_counter() - t0, "pid": os.getpid(),
        "run_dir": str(trial_dir),
    }
    if energy_preset is not None:
        from ..energy import estimate_energy, network_counts, preset_for
        from ..tasks.experiment import load_run_model

        estimate = estimate_energy(network_counts(load_run_model(trial_dir)), preset_for(energy_preset))
        result["energy_per_inference_j"] = estimate.energy_per_inference_j
    atomic_write_json(result_path(Path(out_dir), digest), result)
    return result
