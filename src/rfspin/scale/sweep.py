"""Running a sweep plan: on Ray (local instance or a cluster) or sequentially, resumable.

Finished trials are skipped (their result file, keyed by the config hash, exists). On Ray every
trial is a task with the plan's CPUs and GPU fraction; a trial whose worker dies (e.g. ``kill
-9``) or that raises is retried up to ``max_retries`` times. The sweep folder gets
``results.csv`` (one row per trial), ``summary.csv`` (mean and standard deviation over seeds for
each combination of swept values) and plots of accuracy against each swept key.
"""

from __future__ import annotations

import csv
import io
import statistics
import time

from ..errors import RfspinError
from ..fileio import atomic_write_json, atomic_write_text
from .cluster import ray_session
from .plan import SweepPlan, Trial
from .trial import finished_result, run_trial

__all__ = ["BACKENDS", "SweepOutcome", "run_sweep", "summarise"]

BACKENDS = ("ray", "local")


class SweepOutcome(dict):
    """``results`` (one dict per trial, plan order), ``executed``, ``skipped``, ``failed``, ``wall_s``, files."""


def _label(value) -> str:
    if isinstance(value, dict):
        return ";".join(f"{k}={_label(v)}" for k, v in value.items())
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _row(plan: SweepPlan, trial: Trial, result: dict) -> dict:
    row = {"config_hash": trial.hash, "seed": trial.seed}
    row.update({key: _label(trial.values[key]) for key in plan.keys})
    for name in ("test_accuracy", "train_accuracy", "baseline_test_accuracy", "energy_per_inference_j", "wall_s"):
        row[name] = result.get(name)
    return row


def summarise(plan: SweepPlan, rows: list[dict]) -> list[dict]:
    """Mean and standard deviation over seeds of each combination of swept values."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in plan.keys), []).append(row)
    out = []
    for combo, members in groups.items():
        entry = dict(zip(plan.keys, combo))
        for name in ("test_accuracy", "baseline_test_accuracy", "energy_per_inference_j"):
            values = [m[name] for m in members if m.get(name) is not None]
            if values:
                entry[f"{name}_mean"] = statistics.fmean(values)
                entry[f"{name}_std"] = statistics.stdev(values) if len(values) > 1 else 0.0
        entry["n_seeds"] = len(members)
        out.append(entry)
    return out


def _csv(rows: list[dict]) -> str:
    if not rows:
        return ""
    names = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if row.get(k) is None else row[k]) for k in names} for row in rows)
    return buf.getvalue()


def _run_local(plan: SweepPlan, todo: list[Trial], on_done, on_fail) -> None:
    for trial in todo:
        for attempt in range(plan.max_retries + 1):
            try:
                on_done(trial, run_trial(trial.config, trial.hash, str(plan.out_dir.resolve()), plan.energy_preset,
                                         max(1, int(plan.cpus_per_trial))))
                break
            except RfspinError:
                raise  # a configuration error fails the same way again
            except Exception as exc:  # noqa: BLE001 - a failed trial is retried, then reported
                if attempt == plan.max_retries:
                    on_fail(trial, exc)


def _run_ray(plan: SweepPlan, todo: list[Trial], on_done, on_fail, address: str | None, num_cpus: int | None) -> None:
    with ray_session(address, num_cpus) as ray:
        task = ray.remote(run_trial).options(num_cpus=plan.cpus_per_trial, num_gpus=plan.gpus_per_trial,
                                             max_retries=plan.max_retries, retry_exceptions=True)
        out = str(plan.out_dir.resolve())
        threads = max(1, int(plan.cpus_per_trial))
        pending = {task.remote(t.config, t.hash, out, plan.energy_preset, threads): t for t in todo}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                trial = pending.pop(ref)
                try:
                    on_done(trial, ray.get(ref))
                except Exception as exc:  # noqa: BLE001 - retries exhausted: reported, the sweep goes on
                    on_fail(trial, exc)


def run_sweep(plan: SweepPlan, *, backend: str = "ray", address: str | None = None, num_cpus: int | None = None,
              progress: bool = True, plots: bool = True) -> SweepOutcome:
    """Run the trials of ``plan`` not finished yet; write the tables and plots; return the outcome."""
    if backend not in BACKENDS:
        raise RfspinError(f"--backend {backend!r}: choose one of {BACKENDS}")
    if not plan.trials:
        raise RfspinError("the sweep has no trials")
    out = plan.out_dir
    out.mkdir(parents=True, exist_ok=True)
    results = {t.hash: finished_result(out, t.hash) for t in plan.trials}
    todo = [t for t in plan.trials if results[t.hash] is None]
    failed: dict[str, str] = {}
    from tqdm.auto import tqdm

    bar = tqdm(total=len(plan.trials), initial=len(plan.trials) - len(todo), disable=not progress, desc="sweep",
               unit="trial")

    def on_done(trial: Trial, result: dict) -> None:
        results[trial.hash] = result
        bar.update(1)
        bar.set_postfix(last=f"{100 * result['test_accuracy']:.2f}%")

    def on_fail(trial: Trial, exc: Exception) -> None:
        failed[trial.hash] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        bar.update(1)

    t0 = time.perf_counter()
    try:
        if todo:
            if backend == "local":
                _run_local(plan, todo, on_done, on_fail)
            else:
                _run_ray(plan, todo, on_done, on_fail, address, num_cpus)
    finally:
        bar.close()
    wall = time.perf_counter() - t0
    rows = [_row(plan, t, results[t.hash]) for t in plan.trials if results[t.hash] is not None]
    summary = summarise(plan, rows)
    atomic_write_text(out / "results.csv", _csv(rows))
    atomic_write_text(out / "summary.csv", _csv(summary))
    outcome = SweepOutcome(results=rows, summary=summary, executed=len(todo) - len(failed),
                           skipped=len(plan.trials) - len(todo), failed=failed, wall_s=wall, backend=backend,
                           n_trials=len(plan.trials))
    atomic_write_json(out / "sweep.json", {k: v for k, v in outcome.items() if k not in ("results", "summary")})
    if plots and rows and plan.keys:
        from ..plotting.sweep import plot_sweep

        outcome["plots"] = [str(p) for p in plot_sweep(plan.keys, rows, out)]
    return outcome

