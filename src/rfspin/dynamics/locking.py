"""Phase locking of oscillators to an RF drive: detection from traces and an Arnold-tongue map.

An oscillator is locked to a drive at f_d when its phase relative to the drive stays bounded.
From rotating-frame records c' (reference f_r), the relative phase advances by
arg(c'_{k+1} conj(c'_k)) + 2 pi (f_d - f_r) dt_s per record; over a window of records the
total slip is below pi when locked and at least 2 pi per beat period when not (Adler: beat
frequency sqrt(detuning^2 - half_width^2)). The analytic boundary is the Adler half-width
F sqrt(1 + nu^2) / sqrt(p0) (:func:`rfspin.dynamics.oscillator.locking_half_width`).

API: ``phase_slip(trace, drive_frequency, start_fraction)`` -> (trials, devices) rad;
``is_locked(trace, drive_frequency, start_fraction)``; ``locking_map(params, current,
drive_frequencies, drive_amplitudes, ...)`` -> :class:`LockingMap` (locked (amplitudes,
frequencies) fraction of trials, analytic half-width per amplitude [Hz]).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import RfspinError
from ..validation import check_number
from .oscillator import locking_half_width, steady_state_frequency, steady_state_power
from .oscillator_params import AutoOscillatorParams
from .oscillator_sim import (
    OscillatorSimConfig,
    OscillatorTrace,
    RFDrive,
    fastest_rate,
    simulate_oscillators,
)

__all__ = ["LockingMap", "is_locked", "locking_map", "phase_slip"]


def phase_slip(trace: OscillatorTrace, drive_frequency: float | Tensor, start_fraction: float = 0.25) -> Tensor:
    """Total change of the phase relative to the drive over the records after ``start_fraction`` [rad].

    ``drive_frequency`` [Hz]: a number or a (devices,) tensor. Sign: positive when the
    oscillator runs faster than the drive.
    """
    if trace.amplitude is None or trace.amplitude.shape[0] < 3:
        raise RfspinError("phase_slip: the trace needs at least 3 records (set record_every)")
    check_number(start_fraction, "start_fraction", ge=0.0, lt=1.0)
    c = trace.amplitude
    increments = -torch.angle(c[1:] * c[:-1].conj())  # oscillator phase advance vs f_r per record
    drive = torch.as_tensor(drive_frequency, dtype=torch.float64, device=c.device)
    increments = increments - (2 * math.pi * trace.sample_interval * (drive - trace.reference_frequency)).to(
        increments.dtype)
    start = int(start_fraction * increments.shape[0])
    return increments[start:].sum(0)


def is_locked(trace: OscillatorTrace, drive_frequency: float | Tensor, start_fraction: float = 0.25) -> Tensor:
    """Bool (trials, devices): the phase relative to the drive slipped by less than pi."""
    return phase_slip(trace, drive_frequency, start_fraction).abs() < math.pi


@dataclass(frozen=True)
class LockingMap:
    """Arnold tongue: ``locked`` (amplitudes, frequencies) fraction of trials locked; ``frequencies``
    [Hz] and ``amplitudes`` [1/s] of the drive; ``center`` f(p0) [Hz] and ``half_width`` (amplitudes,)
    analytic Adler half-width [Hz]."""

    frequencies: Tensor
    amplitudes: Tensor
    locked: Tensor
    center: float
    half_width: Tensor


def locking_map(
    params: AutoOscillatorParams,
    current: float,
    drive_frequencies: Tensor,
    drive_amplitudes: Tensor,
    *,
    duration: float | None = None,
    time_step: float | None = None,
    trials: int = 1,
    temperature: float | None = None,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device=None,
    progress: bool = False,
) -> LockingMap:
    """Simulate one oscillator per (amplitude, frequency) pair, all in one batch, and detect locking.

    Each device is the same oscillator at ``current`` [A]; instead of one drive per device at its
    own frequency, every device is given the free-running frequency shifted by the opposite
    detuning and the drive is shared at f(p0) (the same relative dynamics, one drive term).
    ``duration`` defaults to 60 / (smallest analytic half-width in rad/s); ``time_step`` to
    0.1 / fastest rate.
    """
    current = check_number(current, "current [A]", gt=0.0)
    freqs = torch.as_tensor(drive_frequencies, dtype=torch.float64).flatten()
    amps = torch.as_tensor(drive_amplitudes, dtype=torch.float64).flatten()
    if freqs.numel() < 1 or amps.numel() < 1 or not bool(torch.isfinite(freqs).all() & torch.isfinite(amps).all()):
        raise RfspinError("locking_map: drive frequencies and amplitudes must be non-empty and finite")
    if bool((amps <= 0).any()) or bool((freqs <= 0).any()):
        raise RfspinError("locking_map: drive frequencies [Hz] and amplitudes [1/s] must be > 0")
    if float(steady_state_power(current, params)) <= 0:
        raise RfspinError(f"locking_map: current = {current!r} A is below threshold "
                          f"({params.threshold_current!r} A): nothing to lock")
    center = float(steady_state_frequency(current, params))
    half_width = locking_half_width(amps, current, params) / (2 * math.pi)  # Hz
    grid_detuning = (freqs[None, :] - center).expand(amps.numel(), -1)  # f_d - f(p0)
    grid_amp = amps[:, None].expand(-1, freqs.numel())
    n = grid_amp.numel()
    frequencies = params.free_running_frequency - grid_detuning.flatten()
    if duration is None:
        duration = 60.0 / (2 * math.pi * float(half_width.min()))
    if time_step is None:
        rate, _ = fastest_rate(params, frequencies, current, center, (RFDrive(center, 1.0),))
        time_step = min(0.1 / rate, duration / 200)
    config = OscillatorSimConfig(duration=duration, time_step=time_step, record_every=max(1, int(duration / time_step)
                                                                                              // 2000),
                                 reference_frequency=center, progress=progress)
    trace = simulate_oscillators(
        params, torch.full((n,), current, dtype=torch.float64), config,
        drives=(RFDrive(center, grid_amp.flatten().to(dtype)),), frequencies=frequencies, trials=trials,
        temperature=temperature, generator=generator, dtype=dtype, device=device,
    )
    locked = is_locked(trace, center).to(torch.float64).mean(0).view(amps.numel(), freqs.numel())
    return LockingMap(frequencies=freqs, amplitudes=amps, locked=locked.cpu(), center=center,
                      half_width=half_width)
