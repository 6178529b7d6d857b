"""Implementation of ``rfspin simulate junction`` (imported only when the command runs)."""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from ..dynamics import (
    BOLTZMANN_CONSTANT,
    JUNCTION_PRESETS,
    TelegraphConfig,
    mean_dwell_times,
    mean_state,
    resistance,
    simulate_telegraph,
    switching_rate,
)
from ..errors import RfspinError, RfspinFileNotFoundError
from ..fileio import atomic_write, atomic_write_json
from ..validation import check_number
from .common import device_from_args
from .main import CLIError
from .simulate_junction import DEFAULT_POINTS, INTEGERS, METHODS, NUMBERS

__all__ = ["run_junction"]


def _read_toml(path: Path) -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    if not path.is_file():
        raise RfspinFileNotFoundError(f"config {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RfspinError(f"{path}: not valid TOML ({exc})") from exc
    allowed = set(NUMBERS) | set(INTEGERS) | {"preset", "method", "currents_ua", "current_range_ua", "out"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RfspinError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    for key in ("preset", "method", "out"):
        if key in data and not isinstance(data[key], str):
            raise RfspinError(f"{path}: {key} = {data[key]!r} must be a string")
    for key in ("currents_ua", "current_range_ua"):
        if key in data and not isinstance(data[key], list):
            raise RfspinError(f"{path}: {key} = {data[key]!r} must be a list of numbers")
    return data


def _settings(args: argparse.Namespace) -> dict:
    """Flags over TOML values, every value checked (names as on the command line)."""
    merged = _read_toml(args.config) if args.config is not None else {}
    for key in [*NUMBERS, *INTEGERS, "preset", "method", "currents_ua", "current_range_ua", "out"]:
        value = getattr(args, key)
        if value is not None:
            merged[key] = value
    if "currents_ua" in merged and "current_range_ua" in merged:
        raise CLIError("give either currents_ua or current_range_ua, not both")
    for key, (_, bound, _) in NUMBERS.items():
        if key in merged:
            merged[key] = check_number(merged[key], key, **({"gt": 0.0} if bound == "gt0" else {}))
    for key, (low, _) in INTEGERS.items():
        if key in merged:
            merged[key] = check_number(merged[key], key, ge=low, integer=True)
    if "currents_ua" in merged:
        values = merged["currents_ua"]
        if not values:
            raise RfspinError("currents_ua: give at least one current")
        merged["currents_ua"] = [check_number(v, "currents_ua") for v in values]
    if "current_range_ua" in merged:
        values = merged["current_range_ua"]
        if len(values) != 3:
            raise RfspinError(f"current_range_ua = {values!r}: expected [MIN, MAX, POINTS]")
        low, high = check_number(values[0], "current_range_ua MIN"), check_number(values[1], "current_range_ua MAX")
        points = check_number(values[2], "current_range_ua POINTS", ge=1, integer=True)
        if high < low:
            raise RfspinError(f"current_range_ua: MAX = {high:g} must be >= MIN = {low:g}")
        merged["current_range_ua"] = (low, high, points)
    preset = merged.setdefault("preset", "mizrahi2018")
    if preset not in JUNCTION_PRESETS:
        raise RfspinError(f"preset {preset!r}: choose one of {sorted(JUNCTION_PRESETS)}")
    if merged.setdefault("method", "steps") not in METHODS:
        raise RfspinError(f"method {merged['method']!r}: choose one of {METHODS}")
    return merged


def _junction(settings: dict):
    params = JUNCTION_PRESETS[settings["preset"]]
    if "temperature_k" in settings:
        params = replace(params, temperature=settings["temperature_k"])
    if "thermal_stability" in settings:
        params = replace(params, barrier_energy=settings["thermal_stability"] * BOLTZMANN_CONSTANT * params.temperature)
    fields = {"attempt_time_ns": "attempt_time", "critical_current_ua": "critical_current",
              "offset_current_ua": "offset_current", "barrier_exponent": "barrier_exponent",
              "parallel_resistance_ohm": "parallel_resistance",
              "antiparallel_resistance_ohm": "antiparallel_resistance"}
    changes = {field: settings[key] * NUMBERS[key][0] for key, field in fields.items() if key in settings}
    return replace(params, **changes)


def _currents(settings: dict, params) -> np.ndarray:
    if "currents_ua" in settings:
        return np.array(settings["currents_ua"]) * 1e-6
    if "current_range_ua" in settings:
        low, high, points = settings["current_range_ua"]
        return np.linspace(low, high, points) * 1e-6
    half = 3.0 * params.critical_current / (params.barrier_exponent * params.thermal_stability)
    return np.linspace(params.offset_current - half, params.offset_current + half, DEFAULT_POINTS)


def _config(settings: dict, params, current: torch.Tensor) -> TelegraphConfig:
    tau_p, tau_ap = mean_dwell_times(current, params)
    shortest = float(torch.minimum(tau_p, tau_ap).min())
    time_step = settings["time_step_ns"] * 1e-9 if "time_step_ns" in settings else 0.02 * shortest
    duration = settings["duration_us"] * 1e-6 if "duration_us" in settings else 1000 * params.balanced_dwell_time
    n_steps = max(1, math.ceil(duration / time_step - 1e-9))
    every = settings.get("record_every", max(1, n_steps // 20_000))
    if every > n_steps:
        raise RfspinError(f"record_every = {every}: must be <= the number of time steps {n_steps}")
    return TelegraphConfig(duration=duration, time_step=time_step, record_every=every, method=settings["method"],
                           collect_dwell_times=True)


def _finite(values) -> list:
    return [float(v) if math.isfinite(float(v)) else None for v in np.asarray(values, dtype=np.float64).ravel()]


def _spread(per_trial: torch.Tensor) -> np.ndarray:
    """Half-width of the 99 % CI of the mean over trials (normal approximation; NaN for one trial)."""
    n = per_trial.shape[0]
    if n < 2:
        return np.full(per_trial.shape[1:], np.nan)
    return (2.576 * per_trial.std(0) / math.sqrt(n)).numpy()


def run_junction(args: argparse.Namespace) -> int:
    settings = _settings(args)
    params = _junction(settings)
    current_a = _currents(settings, params)
    device = device_from_args(args)
    current = torch.tensor(current_a, dtype=torch.float64, device=device)
    config = _config(settings, params, current.cpu())
    seed, trials = settings.get("seed", 0), settings.get("trials", 20)
    generator = torch.Generator(device=device).manual_seed(seed)
    result = simulate_telegraph(params, current, config, generator=generator, trials=trials, progress=not args.quiet)
    out = Path(settings.get("out") or f"runs/junction-seed{seed}")

    result_cpu = {k: v.cpu() for k, v in (("state", result.mean_state), ("rate", result.switching_rate))}
    tau_sim = [t.cpu().numpy() for t in result.mean_dwell_times(dim=0)]
    tau_theory = [t.numpy() for t in mean_dwell_times(current.cpu(), params)]
    theory_state = mean_state(current.cpu(), params).numpy()
    theory_rate = switching_rate(current.cpu(), params).numpy()
    rows = {
        "current_a": current_a.tolist(),
        "mean_state": _finite(result_cpu["state"].mean(0)), "mean_state_ci99": _finite(_spread(result_cpu["state"])),
        "mean_state_theory": _finite(theory_state),
        "switching_rate_per_s": _finite(result_cpu["rate"].mean(0)),
        "switching_rate_ci99": _finite(_spread(result_cpu["rate"])), "switching_rate_theory": _finite(theory_rate),
        "dwell_parallel_s": _finite(tau_sim[0]), "dwell_parallel_theory_s": _finite(tau_theory[0]),
        "dwell_antiparallel_s": _finite(tau_sim[1]), "dwell_antiparallel_theory_s": _finite(tau_theory[1]),
    }
    summary = {
        "junction": asdict(params), "thermal_stability": params.thermal_stability, "preset": settings["preset"],
        "settings": {"duration_s": result.duration, "time_step_s": config.time_step, "n_steps": result.n_steps,
                     "record_every": config.record_every, "method": config.method, "trials": trials, "seed": seed,
                     "device": str(device)},
        "per_current": rows,
    }
    _write(out, summary, result, params, current_a, tau_theory, plot=not args.no_plot)
    print(f"rfspin simulate junction: {len(current_a)} currents x {trials} trials, {result.n_steps:,} steps of "
          f"{config.time_step:.3g} s ({config.method}); results in {out}")
    print(f"{'I (uA)':>9} {'<m> sim':>9} {'theory':>8} {'rate sim (1/s)':>15} {'theory':>10}")
    for i, amps in enumerate(current_a):
        print(f"{amps * 1e6:9.2f} {rows['mean_state'][i]:9.4f} {rows['mean_state_theory'][i]:8.4f} "
              f"{rows['switching_rate_per_s'][i]:15.4g} {rows['switching_rate_theory'][i]:10.4g}")
    return 0


def _write(out: Path, summary: dict, result, params, current_a: np.ndarray, tau_theory, plot: bool) -> None:
    trace = result.trace[:, 0].cpu()  # first trial: (records, currents)
    time_s = result.record_times.cpu().numpy()
    ohm = resistance(trace, params).numpy()
    dwell = result.dwell_times
    n_currents = len(current_a)
    current_of = [(j % n_currents).cpu().numpy() for j in (dwell.parallel_junction, dwell.antiparallel_junction)]
    dwell_s = [d.cpu().numpy() for d in (dwell.parallel, dwell.antiparallel)]
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "trace.npz", lambda f: np.savez(f, time_s=time_s, current_a=current_a,
                                                        antiparallel=trace.numpy(), resistance_ohm=ohm))
    atomic_write(out / "dwell_times.npz", lambda f: np.savez(
        f, parallel_s=dwell_s[0], parallel_current_index=current_of[0],
        antiparallel_s=dwell_s[1], antiparallel_current_index=current_of[1], current_a=current_a))
    atomic_write_json(out / "summary.json", summary)
    if not plot:
        return
    from ..dynamics import mean_state as theory_state
    from ..dynamics import switching_rate as theory_rate
    from ..plotting.junction import (
        plot_dwell_time_histograms,
        plot_mean_state,
        plot_switching_rate,
        plot_telegraph_traces,
    )

    rows = summary["per_current"]
    shown = np.unique(np.linspace(0, n_currents - 1, min(5, n_currents)).round().astype(int))
    plot_telegraph_traces(time_s, ohm[:, shown], current_a[shown], out / "telegraph.png")
    panels = []
    for i in np.unique(np.linspace(0, n_currents - 1, 5)[1:4].round().astype(int)):  # quartiles of the range
        panels.append({"current_a": current_a[i],
                       "parallel_s": dwell_s[0][current_of[0] == i],
                       "antiparallel_s": dwell_s[1][current_of[1] == i],
                       "tau_parallel_s": tau_theory[0][i], "tau_antiparallel_s": tau_theory[1][i]})
    plot_dwell_time_histograms(panels, out / "dwell_times.png")
    fine = np.linspace(current_a.min(), current_a.max(), 400) if n_currents > 1 else current_a
    fine_t = torch.tensor(fine, dtype=torch.float64)
    nan = lambda xs: np.array([np.nan if x is None else x for x in xs])  # noqa: E731
    plot_mean_state(current_a, nan(rows["mean_state"]), nan(rows["mean_state_ci99"]), fine,
                    theory_state(fine_t, params).numpy(), out / "mean_state.png")
    plot_switching_rate(current_a, nan(rows["switching_rate_per_s"]), nan(rows["switching_rate_ci99"]), fine,
                        theory_rate(fine_t, params).numpy(), out / "switching_rate.png")
