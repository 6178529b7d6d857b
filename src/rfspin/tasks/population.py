"""Population coding experiments: ``rfspin population fit`` run folders and ``reproduce mizrahi2018``.

Built on :mod:`rfspin.stochastic.population` (tuning curves, switch counts),
:mod:`rfspin.stochastic.population_readout` (ridge readout, target functions) and
:mod:`rfspin.stochastic.population_transform` (two-joint arm). Every function here validates its
inputs before it creates a folder, and writes JSON and plots atomically.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, replace
from pathlib import Path

import torch

from ..device import make_generator, resolve_device
from ..errors import RfspinError
from ..fileio import atomic_write_json, atomic_write_text
from ..stochastic.population import (
    PopulationConfig,
    input_to_current,
    measure_tuning_curves,
    population_tensors,
)
from ..stochastic.population_readout import (
    evaluate_readout,
    fit_function,
    get_target_function,
    predicted_noise_rms,
)
from ..stochastic.population_transform import fit_arm_transformation
from .reproduce import mean_std, register_study

__all__ = ["reproduce_mizrahi2018", "run_population_fit", "variability_sweep", "window_sweep"]

#: Counting windows of the reproduction's error-vs-window table [s].
SWEEP_WINDOWS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
#: Barrier variabilities (log-normal sigma) of the error-vs-variability table [1].
SWEEP_BARRIER_VARIABILITY = (0.0, 0.05, 0.1, 0.2)
#: Attempt-time variabilities (log-normal sigma) [1].
SWEEP_ATTEMPT_VARIABILITY = (0.1, 0.5)
#: The acceptance threshold: RMS error / amplitude.
TARGET_RELATIVE_ERROR = 0.05


def _config_json(config: PopulationConfig) -> dict:
    out = asdict(config)
    out["junction"] = asdict(config.junction)
    out["balanced_dwell_time_s"] = config.balanced_dwell_time
    out["tuning_fwhm_a"] = config.tuning_width
    out["thermal_stability"] = config.junction.thermal_stability
    return out


def run_population_fit(
    out_dir: str | Path,
    function: str,
    config: PopulationConfig,
    *,
    seed: int = 0,
    device: str = "auto",
    plots: bool = True,
    progress: bool = False,
    train_points: int = 200,
    test_trials: int = 5,
) -> dict:
    """Fit ``function`` with one drawn population; write results.json (+ tuning_curves.png, fit.png)."""
    target = get_target_function(function)  # validated before the folder exists
    if not isinstance(config, PopulationConfig):
        raise RfspinError(f"config = {config!r}: must be a PopulationConfig")
    dev = resolve_device(device)
    generator = make_generator(dev, seed)
    params = population_tensors(config, generator, device=dev)
    fit = fit_function(target, config, generator, params=params, train_points=train_points,
                       test_trials=test_trials, progress=progress)
    currents = input_to_current(fit.x_test, target.domain, config)
    curves = measure_tuning_curves(params, currents, config.counting_window, generator, trials=test_trials)
    noise = predicted_noise_rms(fit.readout, params, currents, config.counting_window) / target.amplitude()
    result = {
        "function": target.name, "formula": target.formula, "domain": list(target.domain),
        "amplitude": target.amplitude(), "seed": seed, "device": str(dev), "config": _config_json(config),
        "rms_error": fit.rms_error, "relative_rms_error": fit.relative_rms_error,
        "predicted_noise_relative_rms": noise, "noiseless_relative_rms_error": fit.noiseless_rms_error,
        "ridge_penalty": fit.readout.penalty, "train_points": train_points, "test_trials": test_trials,
        "x_test": fit.x_test, "y_target": fit.y_target, "y_decoded_mean": fit.y_decoded.mean(0),
        "weights": fit.readout.weights[:, 0] / fit.readout.feature_scale, "bias": float(fit.readout.bias[0]),
        "operating_points_a": params.offset_current, "tuning_currents_a": curves.currents,
        "tuning_measured_rate_hz": curves.measured_rate, "tuning_analytic_rate_hz": curves.analytic_rate,
    }
    result = {k: (v.tolist() if isinstance(v, torch.Tensor) else v) for k, v in result.items()}
    out = Path(out_dir)
    atomic_write_json(out / "results.json", result)
    if plots:
        from ..plotting.population import plot_function_fit, plot_tuning_curves

        plot_tuning_curves(curves, out / "tuning_curves.png")
        plot_function_fit(fit, out / "fit.png")
    return result


def window_sweep(function: str, config: PopulationConfig, seeds: int, device, windows=SWEEP_WINDOWS,
                 progress: bool = False) -> list[dict]:
    """Relative RMS error vs counting window (mean +- std over ``seeds`` chips, readout retrained)."""
    from tqdm.auto import tqdm

    target = get_target_function(function)
    rows = []
    for window in tqdm(windows, desc="error vs window", disable=not progress, leave=False):
        errors, predicted = [], []
        for seed in range(seeds):
            generator = make_generator(device, seed)
            cfg = config.with_window(window)
            params = population_tensors(cfg, generator, device=device)
            fit = fit_function(target, cfg, generator, params=params)
            currents = input_to_current(fit.x_test, target.domain, cfg)
            errors.append(fit.relative_rms_error)
            predicted.append(predicted_noise_rms(fit.readout, params, currents, window) / target.amplitude())
        m, s = mean_std(errors)
        rows.append({"window_s": window, "window_dwell_times": window / config.balanced_dwell_time,
                     "relative_rms_mean": m, "relative_rms_std": s, "predicted_noise": statistics.fmean(predicted),
                     "errors": errors})
    return rows


def variability_sweep(function: str, config: PopulationConfig, seeds: int, device,
                      sigmas=SWEEP_BARRIER_VARIABILITY, progress: bool = False,
                      field: str = "barrier_variability") -> list[dict]:
    """Error vs variability ``field`` (barrier_variability or attempt_time_variability): readout retrained
    on each chip, and the nominal chip's readout frozen."""
    if field not in ("barrier_variability", "attempt_time_variability"):
        raise RfspinError(f"field = {field!r}: must be 'barrier_variability' or 'attempt_time_variability'")
    from tqdm.auto import tqdm

    target = get_target_function(function)
    nominal_cfg = replace(config, barrier_variability=0.0, attempt_time_variability=0.0)
    nominal = fit_function(target, nominal_cfg, make_generator(device, 10_000))
    rows = []
    for sigma in tqdm(sigmas, desc="error vs variability", disable=not progress, leave=False):
        retrained, frozen = [], []
        cfg = replace(config, **{field: sigma})
        for seed in range(seeds):
            generator = make_generator(device, seed)
            params = population_tensors(cfg, generator, device=device)
            retrained.append(fit_function(target, cfg, generator, params=params).relative_rms_error)
            _, y, decoded = evaluate_readout(nominal.readout, params, target, cfg, generator)
            frozen.append(float(torch.sqrt(((decoded - y) ** 2).mean())) / target.amplitude())
        rows.append({"field": field, "sigma": sigma, "retrained_mean": mean_std(retrained)[0],
                     "retrained_std": mean_std(retrained)[1], "frozen_mean": mean_std(frozen)[0],
                     "frozen_std": mean_std(frozen)[1], "retrained": retrained, "frozen": frozen})
    return rows


def _fmt(m: float, s: float) -> str:
    return f"{m:.4f} +- {s:.4f}"


@register_study("mizrahi2018")
def reproduce_mizrahi2018(out_dir: str | Path, seeds: int = 5, epochs: int | None = None, progress: bool = True,
                          device: str = "auto") -> dict:
    """Population coding after Mizrahi et al. (2018): sin(x) with 20 junctions, window and variability
    tables, the two-joint arm transformation; ``seeds`` drawn chips per table entry."""
    if epochs is not None:
        raise RfspinError("study 'mizrahi2018' trains a closed-form readout: --epochs does not apply")
    if not isinstance(seeds, int) or seeds < 1:
        raise RfspinError(f"seeds = {seeds!r}: must be an integer >= 1")
    dev = resolve_device(device)
    config = PopulationConfig()
    out = Path(out_dir)
    main = run_population_fit(out / "sin", "sin", config, seed=0, device=str(dev), progress=False)
    windows = window_sweep("sin", config, seeds, dev, progress=progress)
    variability = variability_sweep("sin", config, seeds, dev, progress=progress)
    attempt = variability_sweep("sin", config, seeds, dev, sigmas=SWEEP_ATTEMPT_VARIABILITY, progress=progress,
                                field="attempt_time_variability")
    arms, arm_fits = [], []
    for sigma in (0.0, 0.1):
        arm = fit_arm_transformation(replace(config, barrier_variability=sigma), make_generator(dev, 0))
        arm_fits.append(arm)
        arms.append({"barrier_variability": sigma, "relative_rms_x": float(arm.relative_rms_error[0]),
                     "relative_rms_y": float(arm.relative_rms_error[1])})
    tau = config.balanced_dwell_time
    at_default = next(r for r in windows if math.isclose(r["window_s"], config.counting_window))
    lines = [
        (f"sin(x) on [0, 2 pi], {config.junctions} junctions, window {config.counting_window * 1e3:g} ms "
         f"({config.counting_window / tau:g} balanced dwell times): relative RMS error "
         f"{_fmt(at_default['relative_rms_mean'], at_default['relative_rms_std'])} ({seeds} chips; "
         f"target <= {TARGET_RELATIVE_ERROR})"),
        "",
        "| window (ms) | window / dwell time | relative RMS error | predicted count noise |",
        "|---|---|---|---|",
        *[f"| {r['window_s'] * 1e3:g} | {r['window_dwell_times']:g} | {_fmt(r['relative_rms_mean'], r['relative_rms_std'])}"
          f" | {r['predicted_noise']:.4f} |" for r in windows],
        "",
        "| device-to-device variability (log-normal sigma) | retrained readout | nominal readout, not retrained |",
        "|---|---|---|",
        *[f"| {'barrier' if r['field'].startswith('barrier') else 'attempt time'} {100 * r['sigma']:g} % | "
          f"{_fmt(r['retrained_mean'], r['retrained_std'])} | {_fmt(r['frozen_mean'], r['frozen_std'])} |"
          for r in variability + attempt],
        "",
        "| two-joint arm, 2 x 20 junctions | relative RMS x | relative RMS y |",
        "|---|---|---|",
        *[f"| barrier variability {100 * a['barrier_variability']:g} % | {a['relative_rms_x']:.4f} | "
          f"{a['relative_rms_y']:.4f} |" for a in arms],
    ]
    md = "\n".join(lines)
    result = {"study": "mizrahi2018", "seeds": seeds, "device": str(dev), "config": _config_json(config),
              "sin_seed0": {k: main[k] for k in ("relative_rms_error", "predicted_noise_relative_rms",
                                                 "noiseless_relative_rms_error")},
              "windows": windows, "variability": variability, "attempt_time_variability": attempt, "arm": arms, "markdown": md}
    atomic_write_json(out / "reproduce.json", result)
    atomic_write_text(out / "table.md", md + "\n")
    from ..plotting.population import (
        plot_arm_transformation,
        plot_error_vs_variability,
        plot_error_vs_window,
    )

    plot_error_vs_window(windows, tau, TARGET_RELATIVE_ERROR, out / "error_vs_window.png")
    plot_error_vs_variability(variability, out / "error_vs_variability.png")
    plot_arm_transformation(arm_fits[0], out / "arm.png")
    return result
