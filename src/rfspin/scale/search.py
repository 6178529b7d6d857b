"""Hyper-parameter search: Optuna's TPE sampler with pruning on per-epoch validation accuracy.

A search TOML (see docs/experiments.md)::

    out_dir = "tune-drone"
    trials = 30
    validation_fraction = 0.2        # of the training rows; the test set is never used to choose
    backend = "auto"                 # "ray" (Ray Tune + OptunaSearch + ASHA), "optuna", or auto:
    sampler_seed = 0                 #   Ray Tune when Ray is installed, else plain Optuna
    warmup_epochs = 2                # no pruning before this epoch
    [base]                           # a partial experiment configuration (or base_file = "exp.toml")
    data.task = "drone"
    [space]                          # key -> {log_uniform|uniform|int_uniform = [lo, hi]} or {choice = [...]}
    "training.learning_rate" = {log_uniform = [0.003, 0.1]}
    [resources]
    cpus_per_trial = 1
    gpus_per_trial = 0.0

Plain Optuna keeps the study in ``out_dir/study.db`` (SQLite): a search run again continues it
up to ``trials``. The best configuration is written as ``best_config.toml`` (``rfspin train
--config`` on it trains it on the full training set).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RfspinError
from ..experiment.config import config_hash, config_toml, resolve_config
from ..experiment.tomlio import apply_setting, dumps_toml, read_toml
from ..fileio import atomic_write_json, atomic_write_text
from ..schemas import validate
from .cluster import ray_session
from .validation import train_on_validation

__all__ = ["SEARCH_SCHEMA", "SearchPlan", "load_search", "run_search", "search_from_dict"]

_DISTRIBUTIONS = ("uniform", "log_uniform", "int_uniform", "choice")
SEARCH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["space"],
    "properties": {
        "out_dir": {"type": "string", "minLength": 1},
        "trials": {"type": "integer", "minimum": 1, "maximum": 100000},
        "validation_fraction": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "backend": {"enum": ["auto", "ray", "optuna"]},
        "sampler_seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        "warmup_epochs": {"type": "integer", "minimum": 0, "maximum": 10**6},
        "base": {"type": "object"},
        "base_file": {"type": "string", "minLength": 1},
        "space": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "minProperties": 1, "maxProperties": 1,
            "propertyNames": {"enum": list(_DISTRIBUTIONS)},
            "additionalProperties": {"type": "array", "minItems": 1}}},
        "resources": {"type": "object", "additionalProperties": False, "properties": {
            "cpus_per_trial": {"type": "number", "exclusiveMinimum": 0, "maximum": 4096},
            "gpus_per_trial": {"type": "number", "minimum": 0, "maximum": 64}}},
    },
}


@dataclass(frozen=True)
class SearchPlan:
    out_dir: Path
    base: dict
    space: dict
    trials: int = 20
    validation_fraction: float = 0.2
    backend: str = "auto"
    sampler_seed: int = 0
    warmup_epochs: int = 2
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    default: dict = field(default_factory=dict)


def _check_space(space: dict, what: str) -> None:
    for key, spec in space.items():
        (kind, args), = spec.items()
        if kind == "choice":
            continue
        if len(args) != 2 or not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args) \
                or not args[0] < args[1]:
            raise RfspinError(f"{what}: space.{key}.{kind} = {args!r}: need [low, high] numbers with low < high")
        if kind == "log_uniform" and args[0] <= 0:
            raise RfspinError(f"{what}: space.{key}.log_uniform = {args!r}: bounds must be > 0")


def search_from_dict(doc: dict, root: Path = Path("."), what: str = "search", sets=()) -> SearchPlan:
    validate(doc, SEARCH_SCHEMA, what)
    base = dict(doc.get("base", {}))
    if "base_file" in doc:
        if base:
            raise RfspinError(f"{what}: give [base] or base_file, not both")
        base = read_toml(root / doc["base_file"], "experiment config")
    for setting in sets:
        base = apply_setting(base, setting)
    space = doc["space"]
    _check_space(space, what)
    default = resolve_config(base, ["run.progress=false", "run.plots=false"], what=f"{what} base")
    for key, spec in space.items():  # every key must be a valid experiment key (checked at a sample value)
        (kind, args), = spec.items()
        resolve_config(base, [_setting(key, args[0] if kind != "int_uniform" else int(args[0]))], what=what)
    backend = doc.get("backend", "auto")
    if backend == "auto":
        backend = "ray" if importlib.util.find_spec("ray") is not None else "optuna"
    resources = doc.get("resources", {})
    return SearchPlan(root / doc.get("out_dir", "search-results"), base, space, doc.get("trials", 20),
                      doc.get("validation_fraction", 0.2), backend, doc.get("sampler_seed", 0),
                      doc.get("warmup_epochs", 2), float(resources.get("cpus_per_trial", 1.0)),
                      float(resources.get("gpus_per_trial", 0.0)), default)


def load_search(path: str | Path, sets=()) -> SearchPlan:
    path = Path(path)
    return search_from_dict(read_toml(path, "search file"), path.parent, what=str(path), sets=sets)


def _setting(key: str, value) -> str:
    return f"{key}={dumps_toml({'v': value}).split('=', 1)[1].strip()}"


def _resolved(plan: SearchPlan, params: dict) -> dict:
    sets = [_setting(k, v) for k, v in params.items()]
    return resolve_config(plan.base, [*sets, "run.progress=false", "run.plots=false"], what="search trial")


def _suggest(trial, key: str, spec: dict):
    (kind, args), = spec.items()
    if kind == "choice":
        return trial.suggest_categorical(key, args)
    if kind == "int_uniform":
        return trial.suggest_int(key, int(args[0]), int(args[1]))
    return trial.suggest_float(key, float(args[0]), float(args[1]), log=kind == "log_uniform")


def _run_optuna(plan: SearchPlan, progress: bool) -> list[dict]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name="rfspin-search", storage=f"sqlite:///{(plan.out_dir / 'study.db').resolve()}",
        direction="maximize", load_if_exists=True, sampler=optuna.samplers.TPESampler(seed=plan.sampler_seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=plan.warmup_epochs))
    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    remaining = plan.trials - sum(t.state in states for t in study.trials)

    def objective(trial) -> float:
        params = {k: _suggest(trial, k, spec) for k, spec in plan.space.items()}
        resolved = _resolved(plan, params)
        trial.set_user_attr("config_hash", config_hash(resolved))

        def report(epoch: int, accuracy: float) -> None:
            trial.report(accuracy, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()

        return train_on_validation(resolved, plan.validation_fraction, report)

    if remaining > 0:
        study.optimize(objective, n_trials=remaining, show_progress_bar=progress)
    return [{"number": t.number, "state": t.state.name.lower(), "params": t.params, "value": t.value,
             "epochs_run": max(t.intermediate_values, default=0)} for t in study.trials]


def _ray_space(space: dict) -> dict:
    from ray import tune

    out = {}
    for i, spec in enumerate(space.values()):
        (kind, args), = spec.items()
        name = f"p{i}"
        if kind == "choice":
            out[name] = tune.choice(args)
        elif kind == "int_uniform":
            out[name] = tune.randint(int(args[0]), int(args[1]) + 1)
        elif kind == "log_uniform":
            out[name] = tune.loguniform(float(args[0]), float(args[1]))
        else:
            out[name] = tune.uniform(float(args[0]), float(args[1]))
    return out


def _run_ray(plan: SearchPlan, progress: bool, address: str | None, num_cpus: int | None) -> list[dict]:
    keys = list(plan.space)
    with ray_session(address, num_cpus):
        return _tune(plan, keys, progress)


def _tune(plan: SearchPlan, keys: list[str], progress: bool) -> list[dict]:
    import optuna
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    base, fraction, space = plan.base, plan.validation_fraction, plan.space

    def trainable(params: dict) -> None:
        import torch

        torch.set_num_threads(max(1, int(plan.cpus_per_trial)))
        resolved = _resolved(SearchPlan(plan.out_dir, base, space), {k: params[f"p{i}"] for i, k in enumerate(keys)})
        train_on_validation(resolved, fraction, lambda epoch, acc: tune.report({"val_accuracy": acc, "epoch": epoch}))

    epochs = plan.default["training"]["epochs"]
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": plan.cpus_per_trial, "gpu": plan.gpus_per_trial}),
        param_space=_ray_space(space),
        tune_config=tune.TuneConfig(
            metric="val_accuracy", mode="max", num_samples=plan.trials,
            search_alg=OptunaSearch(sampler=optuna.samplers.TPESampler(seed=plan.sampler_seed)),
            scheduler=ASHAScheduler(time_attr="epoch", max_t=max(1, epochs),
                                    grace_period=max(1, min(plan.warmup_epochs, epochs)))),
        run_config=tune.RunConfig(storage_path=str((plan.out_dir / "ray").resolve()), name="rfspin-search",
                                  verbose=1 if progress else 0))
    grid = tuner.fit()
    rows = []
    for i, result in enumerate(grid):
        params = {k: result.config[f"p{j}"] for j, k in enumerate(keys)}
        metrics = result.metrics or {}
        done = metrics.get("epoch", 0) >= epochs
        rows.append({"number": i, "state": "complete" if done and result.error is None else
                     ("fail" if result.error is not None else "pruned"), "params": params,
                     "value": metrics.get("val_accuracy"), "epochs_run": metrics.get("epoch", 0)})
    return rows


def run_search(plan: SearchPlan, *, progress: bool = True, address: str | None = None,
               num_cpus: int | None = None) -> dict:
    """Run the search; write ``trials.json`` and ``best_config.toml``; return the summary."""
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    if plan.backend == "ray":
        rows = _run_ray(plan, progress, address, num_cpus)
    else:
        rows = _run_optuna(plan, progress)
    complete = [r for r in rows if r["state"] == "complete" and r["value"] is not None]
    if not complete:
        raise RfspinError("no search trial completed (all pruned or failed): widen the space or lower warmup_epochs")
    best = max(complete, key=lambda r: r["value"])
    best_config = _resolved(plan, best["params"])
    best_config["run"] = {"plots": True, "progress": True}
    atomic_write_text(plan.out_dir / "best_config.toml",
                      config_toml(best_config, f"best of {len(rows)} search trials: validation accuracy "
                                                f"{best['value']:.4f} with {best['params']}"))
    summary = {"backend": plan.backend, "n_trials": len(rows), "n_complete": len(complete),
               "n_pruned": sum(r["state"] == "pruned" for r in rows), "best": best,
               "best_config_hash": config_hash(best_config), "validation_fraction": plan.validation_fraction,
               "trials": rows}
    atomic_write_json(plan.out_dir / "trials.json", summary)
    return summary
