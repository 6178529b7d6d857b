"""Implementation of ``rfspin simulate oscillator`` (imported only when the command runs)."""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from ..dynamics import (
    OSCILLATOR_PRESETS,
    OscillatorSimConfig,
    RFDrive,
    emitted_power,
    fastest_rate,
    generation_linewidth,
    locking_half_width,
    power_relaxation_rate,
    simulate_oscillators,
    steady_state_frequency,
    steady_state_power,
)
from ..dynamics.locking import locking_map
from ..dynamics.spectrum import fit_lorentzian, power_spectrum
from ..errors import RfspinError, RfspinFileNotFoundError
from ..fileio import atomic_write, atomic_write_json
from ..validation import check_number
from .common import device_from_args
from .simulate_oscillator import INTEGERS, NUMBERS

__all__ = ["drive_band", "parse_drive", "run_oscillator"]

_KEYS = (*NUMBERS, *INTEGERS, "preset", "currents_ua", "drives", "locking_map", "out")
MAX_RECORDS = 20_000


def _read_toml(path: Path) -> dict:
    import tomllib

    if not path.is_file():
        raise RfspinFileNotFoundError(f"config {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RfspinError(f"{path}: not valid TOML ({str(exc).splitlines()[0]})") from None
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise RfspinError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(_KEYS)}")
    for key in ("currents_ua", "drives"):
        if key in data and not isinstance(data[key], list):
            raise RfspinError(f"{path}: {key} = {data[key]!r} must be a list")
    for key in ("preset", "out"):
        if key in data and not isinstance(data[key], str):
            raise RfspinError(f"{path}: {key} = {data[key]!r} must be a string")
    if "locking_map" in data and not isinstance(data["locking_map"], bool):
        raise RfspinError(f"{path}: locking_map = {data['locking_map']!r} must be true or false")
    return data


def parse_drive(text) -> RFDrive:
    """``"FREQ:AMP[:PHASE]"`` (Hz, 1/s, rad) -> RFDrive."""
    parts = str(text).split(":")
    if len(parts) not in (2, 3):
        raise RfspinError(f"drive {text!r}: expected FREQ:AMP or FREQ:AMP:PHASE (Hz, 1/s, rad)")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise RfspinError(f"drive {text!r}: FREQ, AMP and PHASE must be numbers (Hz, 1/s, rad)") from None
    check_number(numbers[0], f"drive {text!r} frequency [Hz]", gt=0.0)
    check_number(numbers[1], f"drive {text!r} amplitude [1/s]", ge=0.0)
    return RFDrive(*numbers)


def drive_band(params) -> tuple[float, float]:
    """(low, high) [Hz]: an octave around the oscillator's band f0 .. f0 + N."""
    low = min(params.free_running_frequency, params.free_running_frequency + params.nonlinear_frequency_shift)
    high = max(params.free_running_frequency, params.free_running_frequency + params.nonlinear_frequency_shift)
    return 0.5 * low, 2.0 * high


def _settings(args: argparse.Namespace) -> dict:
    merged = _read_toml(args.config) if args.config is not None else {}
    for key in _KEYS:
        value = getattr(args, key, None)
        if value is not None:
            merged[key] = value
    for key in NUMBERS:
        if key in merged:
            merged[key] = check_number(merged[key], key, ge=0.0) if key == "temperature_k" else \
                check_number(merged[key], key, gt=0.0)
    for key, (low, _) in INTEGERS.items():
        if key in merged:
            merged[key] = check_number(merged[key], key, ge=low, integer=True)
    preset = merged.setdefault("preset", "ross2023")
    if preset not in OSCILLATOR_PRESETS:
        raise RfspinError(f"preset {preset!r}: choose one of {sorted(OSCILLATOR_PRESETS)}")
    params = OSCILLATOR_PRESETS[preset]
    if "temperature_k" in merged:
        params = replace(params, temperature=merged["temperature_k"])
    currents = merged.get("currents_ua", [2e6 * params.threshold_current])
    if not currents:
        raise RfspinError("currents_ua: give at least one current")
    currents = [check_number(c, "current [uA]", ge=0.0) * 1e-6 for c in currents]
    drives = [parse_drive(text) for text in merged.get("drives", [])]
    low, high = drive_band(params)
    for drive in drives:
        if not low <= drive.frequency <= high:
            raise RfspinError(f"drive at {drive.frequency:.6g} Hz: outside the oscillator band "
                              f"[{low:.4g}, {high:.4g}] Hz (an octave around f0 .. f0 + N)")
    merged.update(params=params, currents_a=currents, drive_objects=drives)
    return merged


def _config(settings: dict, params, current: torch.Tensor, drives, quiet: bool) -> OscillatorSimConfig:
    reference = float(steady_state_frequency(current, params).mean())
    rate, _ = fastest_rate(params, torch.full_like(current, params.free_running_frequency), float(current.max()),
                           reference, drives)
    time_step = settings["time_step_ns"] * 1e-9 if "time_step_ns" in settings else 0.1 / rate
    above = current[current > params.threshold_current]
    if "duration_us" in settings:
        duration = settings["duration_us"] * 1e-6
    elif above.numel():
        relax = float(power_relaxation_rate(above, params).min())
        width = 2 * math.pi * float(generation_linewidth(above, params).min()) if params.temperature > 0 else math.inf
        duration = max(40.0 / relax, 20.0 / width * 2 * math.pi)
    else:
        duration = 40.0 / params.damping_rate
    n_steps = max(1, math.ceil(duration / time_step - 1e-9))
    every = settings.get("record_every", max(1, n_steps // MAX_RECORDS))
    return OscillatorSimConfig(duration=duration, time_step=time_step, record_every=min(every, n_steps),
                               reference_frequency=reference, progress=not quiet)


def _finite(values) -> list:
    return [float(v) if math.isfinite(float(v)) else None for v in np.asarray(values, dtype=np.float64).ravel()]


def run_oscillator(args: argparse.Namespace) -> int:
    settings = _settings(args)
    params, drives = settings["params"], settings["drive_objects"]
    device = device_from_args(args)
    current = torch.tensor(settings["currents_a"], dtype=torch.float64)
    config = _config(settings, params, current, drives, args.quiet)
    seed, trials = settings.get("seed", 0), settings.get("trials", 8)
    generator = torch.Generator(device=device).manual_seed(seed)
    trace = simulate_oscillators(params, current.to(device), config, drives=drives, trials=trials,
                                 generator=generator, dtype=torch.float32, device=device)
    amplitude = trace.amplitude.cpu().to(torch.complex128)
    power = amplitude.real**2 + amplitude.imag**2
    settle = power.shape[0] // 2  # statistics over the second half of the window
    frequency = trace.frequency.cpu().to(torch.float64)
    freqs, spectrum = power_spectrum(amplitude[settle:], trace.sample_interval, trace.reference_frequency)
    fits = []
    for i in range(current.numel()):
        try:
            fit = fit_lorentzian(freqs, spectrum[:, i])
        except RfspinError:
            fit = None
        # a line narrower than two bins is not resolved by this window: no linewidth reported
        fits.append(fit if fit is not None and fit.fwhm >= 2 * fit.resolution else None)
    tongue = None
    if settings.get("locking_map"):
        tongue = _locking_map(params, float(current[0]), settings, generator, device, args.quiet)

    out = Path(settings.get("out") or f"runs/oscillator-seed{seed}")
    rows = {
        "current_a": current.tolist(),
        "power_sim": _finite(power[settle:].mean((0, 1))), "power_theory": _finite(steady_state_power(current, params)),
        "frequency_sim_hz": _finite(frequency[settle:].mean((0, 1))),
        "frequency_theory_hz": _finite(steady_state_frequency(current, params)),
        "emitted_power_sim_w": _finite(emitted_power(power[settle:].mean((0, 1)), current, params)),
        "emitted_power_theory_w": _finite(emitted_power(steady_state_power(current, params), current, params)),
        "power_relaxation_rate_theory_per_s": _finite(power_relaxation_rate(current, params)),
        "linewidth_fit_hz": [None if f is None else f.fwhm for f in fits],
        "linewidth_theory_hz": _finite(generation_linewidth(current, params)) if params.temperature > 0 else None,
        "spectrum_resolution_hz": float(freqs[1] - freqs[0]),
    }
    summary = {
        "oscillator": asdict(params), "preset": settings["preset"],
        "drives": [{"frequency_hz": d.frequency, "amplitude_per_s": float(d.amplitude), "phase_rad": d.phase}
                   for d in drives],
        "settings": {"duration_s": trace.n_steps * trace.time_step, "time_step_s": trace.time_step,
                     "n_steps": trace.n_steps, "record_every": trace.record_every, "trials": trials, "seed": seed,
                     "reference_frequency_hz": trace.reference_frequency, "device": str(device),
                     "calculus": "Stratonovich (stochastic Heun)"},
        "per_current": rows,
    }
    if tongue is not None:
        summary["locking_map"] = {"center_hz": tongue.center, "amplitudes_per_s": tongue.amplitudes.tolist(),
                                  "half_width_theory_hz": tongue.half_width.tolist()}
    _write(out, summary, trace, amplitude, power, frequency, current, params, (freqs, spectrum, fits), tongue,
           plot=not args.no_plot)
    print(f"rfspin simulate oscillator: {current.numel()} currents x {trials} trials, {trace.n_steps:,} steps of "
          f"{trace.time_step:.3g} s (T = {params.temperature:g} K); results in {out}")
    print(f"{'I (uA)':>8} {'p sim':>8} {'p0':>8} {'f sim (MHz)':>12} {'f theory':>10} {'FWHM fit (kHz)':>15} "
          f"{'theory':>8}")
    for i in range(current.numel()):
        fit = rows["linewidth_fit_hz"][i]
        theory = rows["linewidth_theory_hz"][i] if rows["linewidth_theory_hz"] else None
        print(f"{rows['current_a'][i] * 1e6:8.2f} {rows['power_sim'][i]:8.4f} {rows['power_theory'][i]:8.4f} "
              f"{rows['frequency_sim_hz'][i] / 1e6:12.5f} {rows['frequency_theory_hz'][i] / 1e6:10.5f} "
              f"{'-' if fit is None else f'{fit / 1e3:.3g}':>15} {'-' if theory is None else f'{theory / 1e3:.3g}':>8}")
    return 0


def _locking_map(params, current: float, settings: dict, generator, device, quiet: bool):
    """Arnold tongue at ``current``: 5 amplitudes up to a half-width of 0.2 G_p, 31 frequencies."""
    gamma_p = 0.5 * float(power_relaxation_rate(current, params))
    if gamma_p <= 0:
        raise RfspinError(f"--locking-map: the first current {current * 1e6:g} uA is below threshold")
    unit = float(locking_half_width(1.0, current, params))  # rad/s per 1/s of drive
    amplitudes = torch.linspace(0.04, 0.2, 5, dtype=torch.float64) * gamma_p / unit
    center = float(steady_state_frequency(current, params))
    span = 1.6 * 0.2 * gamma_p / (2 * math.pi)
    frequencies = torch.linspace(center - span, center + span, 31, dtype=torch.float64)
    return locking_map(params, current, frequencies, amplitudes, trials=1, temperature=params.temperature,
                       generator=generator, device=device, progress=not quiet)


def _write(out: Path, summary: dict, trace, amplitude, power, frequency, current, params, spectrum, tongue,
           plot: bool) -> None:
    time_s = trace.record_times.cpu().numpy()
    first = power[:, 0].numpy()
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "traces.npz", lambda f: np.savez(
        f, time_s=time_s, current_a=current.numpy(), power=first, frequency_hz=frequency[:, 0].numpy(),
        emitted_power_w=emitted_power(power[:, 0], current, params).numpy(),
        amplitude_re=amplitude.real.numpy().astype(np.float32), amplitude_im=amplitude.imag.numpy().astype(np.float32),
        reference_frequency_hz=trace.reference_frequency))
    if tongue is not None:
        atomic_write(out / "locking_map.npz", lambda f: np.savez(
            f, frequencies_hz=tongue.frequencies.numpy(), amplitudes_per_s=tongue.amplitudes.numpy(),
            locked_fraction=tongue.locked.numpy(), half_width_theory_hz=tongue.half_width.numpy(),
            center_hz=tongue.center))
    atomic_write_json(out / "summary.json", summary)
    if not plot:
        return
    from ..plotting.dynamics import (
        plot_arnold_tongue,
        plot_oscillator_power,
        plot_spectrum,
    )

    plot_oscillator_power(time_s, first, current.numpy(), steady_state_power(current, params).numpy(),
                          out / "power.png")
    freqs, spec, fits = spectrum
    plot_spectrum(freqs.numpy(), spec.numpy(), current.numpy(), fits, out / "spectrum.png")
    if tongue is not None:
        plot_arnold_tongue(tongue.frequencies.numpy(), tongue.amplitudes.numpy(), tongue.locked.numpy(),
                           tongue.center, tongue.half_width.numpy(), out / "arnold_tongue.png")
