"""Batched simulation of spin-torque oscillators in time: :func:`simulate_oscillators`.

Integrates the auto-oscillator equation of :mod:`rfspin.dynamics.oscillator` for a batch of
(trials, devices) oscillators at once, in a frame rotating at a reference frequency f_r
(c' = c exp(i 2 pi f_r t)), so that the time step is set by the slow dynamics (detunings,
damping, locking) and not by the carrier. Real and imaginary parts are real tensors.

Calculus: the thermal noise D(p) depends on the state (multiplicative), and the scheme is the
stochastic Heun predictor-corrector, which converges to the **Stratonovich** solution (strong
order 1 for this noise, weak order 1):

    x~      = x_n + a(x_n, t_n) dt + b(x_n) dW_n
    x_{n+1} = x_n + (a(x_n, t_n) + a(x~, t_{n+1})) dt / 2 + (b(x_n) + b(x~)) dW_n / 2

with dW_n ~ N(0, dt) per real component and b = sqrt(D(p)). The Stratonovich-Ito difference
is a drift of order D (k_B T / E_0 relative), below the model's accuracy far above threshold.
With T = 0 the scheme is Heun's deterministic second-order method.

Time-step rule: dt x (fastest rate) <= ``max_step_fraction`` (default 0.1), the fastest rate
being the largest of the rotating-frame detunings (every oscillator at p = 0 and p = 1, every
drive), the power relaxation G_G max(2 (zeta_max - 1), 1 + |Q|) and the coupling's largest row
sum; the error names which. Drives must lie within the band that dt resolves.

API: ``RFDrive(frequency, amplitude, phase)``, ``OscillatorSimConfig(duration, time_step,
record_every, reference_frequency, max_step_fraction, progress)``, current: a tensor (devices,)
[A] or :class:`~rfspin.dynamics.junction_sim.PiecewiseCurrent`; ``simulate_oscillators(params,
current, config, drives=(), coupling=None, trials=1, generator=None, ...)`` ->
:class:`OscillatorTrace` (``amplitude`` records (records, trials, devices) complex, ``power``,
``frequency``, ``record_times``, ``final_amplitude``, ``emitted_power(params)``,
``rectified_voltage(params, f_r, resonator)``). Autograd flows through every step when an
input requires grad (the loop is written out of place).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError
from ..physics.params import MAX_FREQUENCY_HZ
from ..validation import check_fields, check_number
from .junction_params import BOLTZMANN_CONSTANT
from .junction_sim import PiecewiseCurrent, step_count
from .oscillator import (
    emitted_power,
    instantaneous_frequency,
    rectified_voltage,
    steady_state_power,
)
from .oscillator_engine import HeunProblem, run_heun
from .oscillator_params import AutoOscillatorParams

__all__ = ["OscillatorSimConfig", "OscillatorTrace", "RFDrive", "fastest_rate", "simulate_oscillators"]


@dataclass(frozen=True)
class RFDrive:
    """An external RF drive f_e = F exp(-i (2 pi f t + phi)) on every oscillator.

    Fields: frequency f [Hz]; amplitude F [1/s] (a number, or a (devices,) tensor of per-device
    couplings of this drive); phase phi [rad].
    """

    frequency: float
    amplitude: float | Tensor
    phase: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "frequency", check_number(self.frequency, "RFDrive.frequency", ge=1.0,
                                                           le=MAX_FREQUENCY_HZ))
        object.__setattr__(self, "phase", check_number(self.phase, "RFDrive.phase"))
        if isinstance(self.amplitude, Tensor):
            if not self.amplitude.is_floating_point() or not bool(torch.isfinite(self.amplitude.detach()).all()) \
                    or bool((self.amplitude.detach() < 0).any()):
                raise RfspinError("RFDrive.amplitude: a tensor amplitude must be finite, real and >= 0 (1/s)")
        else:
            object.__setattr__(self, "amplitude", check_number(self.amplitude, "RFDrive.amplitude [1/s]", ge=0.0))


@dataclass(frozen=True)
class OscillatorSimConfig:
    """How long and how finely to simulate.

    Fields:
        duration: simulated window [s], rounded up to whole time steps.
        time_step: dt [s].
        record_every: k: record after every k-th step; None records nothing but the final state [1].
        reference_frequency: f_r of the rotating frame [Hz]; None: the mean steady-state frequency
            at the initial current.
        max_step_fraction: dt x fastest rate must be <= this [1].
        progress: tqdm progress bar on long runs.
    """

    duration: float
    time_step: float
    record_every: int | None = 1
    reference_frequency: float | None = None
    max_step_fraction: float = 0.1
    progress: bool = False

    def __post_init__(self) -> None:
        check_fields(self, duration={"gt": 0.0}, time_step={"gt": 0.0}, max_step_fraction={"gt": 0.0, "le": 1.0})
        if self.reference_frequency is not None:
            object.__setattr__(self, "reference_frequency", check_number(
                self.reference_frequency, "OscillatorSimConfig.reference_frequency", ge=0.0, le=MAX_FREQUENCY_HZ))
        if self.time_step > self.duration:
            raise RfspinError(f"OscillatorSimConfig.time_step = {self.time_step!r} s: must be <= duration = "
                              f"{self.duration!r} s")
        if self.duration / self.time_step > 1e9:
            raise RfspinError(f"OscillatorSimConfig: duration / time_step = {self.duration / self.time_step:.3g} "
                              "steps: must be <= 1e9")
        if self.record_every is not None:
            every = check_number(self.record_every, "OscillatorSimConfig.record_every", ge=1, integer=True)
            if every > self.n_steps:
                raise RfspinError(f"OscillatorSimConfig.record_every = {every}: must be <= the number of steps "
                                  f"{self.n_steps} (or None)")
            object.__setattr__(self, "record_every", every)
        if not isinstance(self.progress, bool):
            raise RfspinTypeError(f"OscillatorSimConfig.progress = {self.progress!r}: must be a bool")

    @property
    def n_steps(self) -> int:
        """duration / time_step, rounded up unless within 1e-9 of an integer."""
        return step_count(self.duration, self.time_step)


@dataclass(frozen=True)
class OscillatorTrace:
    """What :func:`simulate_oscillators` computed.

    Fields: time_step dt [s]; n_steps; record_every k (or None); reference_frequency f_r [Hz];
    amplitude: (records, trials, devices) complex rotating-frame c' after steps k, 2k, ... (or
    None); final_amplitude: (trials, devices) complex; current: (records, devices) current [A]
    at the recorded steps (or None).
    """

    time_step: float
    n_steps: int
    record_every: int | None
    reference_frequency: float
    amplitude: Tensor | None
    final_amplitude: Tensor
    current: Tensor | None

    @property
    def sample_interval(self) -> float:
        """k dt [s]."""
        return (self.record_every or self.n_steps) * self.time_step

    @property
    def record_times(self) -> Tensor:
        """(records,) float64 times of the records [s]."""
        if self.amplitude is None:
            return torch.empty(0, dtype=torch.float64)
        rows = torch.arange(1, self.amplitude.shape[0] + 1, dtype=torch.float64, device=self.amplitude.device)
        return rows * self.sample_interval

    @property
    def power(self) -> Tensor:
        """p = |c|^2 at the records (records, trials, devices) [1]."""
        if self.amplitude is None:
            raise RfspinError("OscillatorTrace.power: nothing was recorded (record_every = None)")
        return self.amplitude.real**2 + self.amplitude.imag**2

    @property
    def frequency(self) -> Tensor:
        """Instantaneous frequency between records (records - 1, trials, devices) [Hz]."""
        if self.amplitude is None:
            raise RfspinError("OscillatorTrace.frequency: nothing was recorded (record_every = None)")
        return instantaneous_frequency(self.amplitude, self.sample_interval, self.reference_frequency)

    def emitted_power(self, params: AutoOscillatorParams) -> Tensor:
        """Emitted RF power A p (dR/R beta)^2 R I^2 at the records (records, trials, devices) [W]."""
        if self.amplitude is None:
            raise RfspinError("OscillatorTrace.emitted_power: nothing was recorded (record_every = None)")
        return emitted_power(self.power, self.current.unsqueeze(1).to(self.power.dtype), params)

    def rectified_voltage(self, params: AutoOscillatorParams, resonance_frequency, resonator) -> Tensor:
        """Voltage a spin-diode resonator (``ResonatorParams``) at ``resonance_frequency`` [Hz] rectifies
        from each oscillator's emitted power at its instantaneous frequency, (records - 1, trials, devices) [V]."""
        power = self.emitted_power(params)
        return rectified_voltage(power[1:], self.frequency, resonance_frequency, resonator)

    def lab_frame(self) -> Tensor:
        """c = c' exp(-i 2 pi f_r t) at the records (complex) [1]."""
        phase = -2.0 * math.pi * self.reference_frequency * self.record_times
        rot = torch.polar(torch.ones_like(phase), phase).to(self.amplitude.dtype)
        return self.amplitude * rot.view(-1, *([1] * (self.amplitude.dim() - 1)))


def _current_segments(current, dtype, device, config: OscillatorSimConfig):
    """(segments, devices) current values and steps per segment."""
    if isinstance(current, PiecewiseCurrent):
        values = current.values
        steps_per = current.segment_duration / config.time_step
        if abs(steps_per - round(steps_per)) > 1e-6 * steps_per or round(steps_per) < 1:
            raise RfspinError(f"PiecewiseCurrent.segment_duration = {current.segment_duration!r} s: must be a whole "
                              f"number of time steps (time_step = {config.time_step!r} s)")
        steps_per = round(steps_per)
    elif isinstance(current, Tensor):
        values, steps_per = current.unsqueeze(0), config.n_steps
    else:
        values = torch.tensor([[check_number(current, "current [A]", ge=0.0)]], dtype=torch.float64)
        steps_per = config.n_steps
    values = values.to(dtype=dtype, device=device)
    if values.dim() == 1:
        values = values.unsqueeze(-1)
    if values.dim() != 2:
        raise RfspinError(f"current: shape {tuple(values.shape)}: must be (devices,) or (segments, devices)")
    detached = values.detach()
    if not bool(torch.isfinite(detached).all()) or bool((detached < 0).any()):
        raise RfspinError("current: every value must be finite and >= 0 A")
    return values, steps_per


def fastest_rate(params: AutoOscillatorParams, frequencies: Tensor, max_current: float, reference_frequency: float,
                 drives=(), coupling: Tensor | None = None) -> tuple[float, str]:
    """(R [1/s], what sets it): the fastest rate of the rotating-frame dynamics."""
    two_pi = 2.0 * math.pi
    f = frequencies.detach().to(torch.float64)
    candidates = [
        (float((two_pi * (f - reference_frequency)).abs().max()), "an oscillator's detuning at p = 0"),
        (float((two_pi * (f + params.nonlinear_frequency_shift - reference_frequency)).abs().max()),
         "an oscillator's detuning at p = 1 (f0 + N)"),
        (params.damping_rate * max(2.0 * (max_current / params.threshold_current - 1.0),
                                   1.0 + abs(params.nonlinear_damping)),
         "the power relaxation G_G max(2 (zeta_max - 1), 1 + |Q|)"),
    ]
    for index, drive in enumerate(drives):
        candidates.append((two_pi * abs(drive.frequency - reference_frequency),
                           f"drive {index} at {drive.frequency:.6g} Hz (detuning from f_r = {reference_frequency:.6g} Hz)"))
    if coupling is not None:
        candidates.append((float(coupling.detach().abs().sum(-1).max()), "the coupling's largest row sum"))
    return max(candidates, key=lambda item: item[0])


def simulate_oscillators(
    params: AutoOscillatorParams,
    current,
    config: OscillatorSimConfig,
    *,
    drives=(),
    coupling: Tensor | None = None,
    frequencies: Tensor | None = None,
    initial_amplitude: Tensor | None = None,
    trials: int = 1,
    temperature: float | None = None,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> OscillatorTrace:
    """Integrate (trials, devices) auto-oscillators; see the module docstring for the scheme.

    Args:
        params: the oscillator type (SI units).
        current: DC current [A]: a number, a (devices,) tensor, or a PiecewiseCurrent with
            values (segments, devices) held for a whole number of steps each (the last value
            holds to the end).
        config: duration, time step, recording.
        drives: RFDrive terms, applied to every oscillator.
        coupling: (devices, devices) complex Omega [1/s]: f_e,i += sum_j Omega_ij c_j.
        frequencies: (devices,) free-running frequencies f0 [Hz] overriding ``params``.
        initial_amplitude: complex (devices,) or (trials, devices) c at t = 0 (lab = rotating
            frame at t = 0); default sqrt(max(p0, 1e-4)), phase 0.
        trials: independent noise realisations of the whole set of devices.
        temperature: T [K] overriding ``params.temperature``; 0 turns the noise off.
        generator: torch.Generator for the noise (required when T > 0).
        dtype: float32 (default) or float64; device: where to compute (default: the generator's).
    """
    if not isinstance(params, AutoOscillatorParams):
        raise RfspinTypeError(f"params: must be an AutoOscillatorParams, got {type(params).__name__}")
    if not isinstance(config, OscillatorSimConfig):
        raise RfspinTypeError(f"config: must be an OscillatorSimConfig, got {type(config).__name__}")
    trials = check_number(trials, "trials", ge=1, integer=True)
    temp = params.temperature if temperature is None else check_number(temperature, "temperature [K]", ge=0.0,
                                                                        le=1e4)
    drives = tuple(drives)
    for drive in drives:
        if not isinstance(drive, RFDrive):
            raise RfspinTypeError(f"drives: every drive must be an RFDrive, got {type(drive).__name__}")
    if device is None:
        device = generator.device if generator is not None else torch.device("cpu")
    device = torch.device(device)
    if temp > 0 and generator is None:
        raise RfspinError("generator: a torch.Generator is required when the temperature is > 0 K")

    values, steps_per = _current_segments(current, dtype, device, config)
    n = values.shape[-1]
    if frequencies is not None:
        f0 = torch.as_tensor(frequencies, device=device).to(dtype).flatten()
        if not bool(torch.isfinite(f0.detach()).all()) or bool((f0.detach() <= 0).any()):
            raise RfspinError("frequencies: must be finite and > 0 Hz")
        n = max(n, f0.numel())
        if f0.numel() not in (1, n) or values.shape[-1] not in (1, n):
            raise RfspinError(f"frequencies ({f0.numel()}) and current ({values.shape[-1]}) disagree on the devices")
        f0 = f0.expand(n)
    else:
        f0 = torch.full((n,), params.free_running_frequency, dtype=dtype, device=device)
    values = values.expand(values.shape[0], n)
    if coupling is not None:
        if not isinstance(coupling, Tensor) or coupling.shape != (n, n):
            raise RfspinError(f"coupling: must be a ({n}, {n}) tensor (devices x devices) [1/s]")
        if not bool(torch.isfinite(torch.view_as_real(coupling.detach()) if coupling.is_complex()
                                   else coupling.detach()).all()):
            raise RfspinError("coupling: every entry must be finite")

    if config.reference_frequency is None:
        p_init = steady_state_power(values[0].detach().to(torch.float64), params)
        f_ref = float((f0.detach().to(torch.float64) + params.nonlinear_frequency_shift * p_init).mean())
    else:
        f_ref = config.reference_frequency
    rate, what = fastest_rate(params, f0, float(values.detach().max()), f_ref, drives, coupling)
    if rate * config.time_step > config.max_step_fraction:
        raise RfspinError(
            f"time_step = {config.time_step:.4g} s: must be <= {config.max_step_fraction:g} / {rate:.4g} 1/s = "
            f"{config.max_step_fraction / rate:.4g} s, the limit set by {what}"
        )

    return _integrate(params, values, steps_per, f0, f_ref, drives, coupling, initial_amplitude, trials, temp,
                      generator, config, dtype, device)


def _integrate(params, values, steps_per, f0, f_ref, drives, coupling, initial_amplitude, trials, temp, generator,
               config, dtype, device) -> OscillatorTrace:
    n = f0.numel()
    dt = config.time_step
    two_pi = 2.0 * math.pi
    zetas = values / params.threshold_current  # (segments, n)
    if initial_amplitude is None:
        p_init = torch.clamp(steady_state_power(values[0].detach(), params), min=1e-4)
        re = torch.sqrt(p_init).to(dtype).expand(trials, n)
        im = torch.zeros_like(re)
    else:
        init = torch.as_tensor(initial_amplitude, device=device)
        if init.shape not in ((n,), (trials, n)):
            raise RfspinError(f"initial_amplitude: shape {tuple(init.shape)}: must be ({n},) or ({trials}, {n})")
        re = (init.real if init.is_complex() else init).to(dtype).expand(trials, n)
        im = (init.imag if init.is_complex() else torch.zeros_like(init)).to(dtype).expand(trials, n)

    couple = None
    if coupling is not None:
        omega = coupling if coupling.is_complex() else torch.complex(coupling, torch.zeros_like(coupling))
        couple = (omega.real.to(dtype=dtype, device=device).T.contiguous(),
                  omega.imag.to(dtype=dtype, device=device).T.contiguous())
    drive_fn = None
    if drives:
        drive_amp = torch.stack([torch.as_tensor(d.amplitude, device=device).to(dtype).expand(n) for d in drives])
        drive_rate = torch.tensor([two_pi * (d.frequency - f_ref) for d in drives], dtype=torch.float64, device=device)
        drive_phase = torch.tensor([d.phase for d in drives], dtype=torch.float64, device=device)

        def drive_fn(first: int, count: int):
            # f_e' = F exp(-i ((w_d - w_r) t + phi)); phases in float64 so long runs keep them exact
            times = torch.arange(first, first + count + 1, dtype=torch.float64, device=device) * dt
            theta = times.unsqueeze(-1) * drive_rate + drive_phase
            return torch.cos(theta).to(dtype) @ drive_amp, -torch.sin(theta).to(dtype) @ drive_amp

    problem = HeunProblem(
        gain0=params.damping_rate * (zetas - 1.0),
        gain1=params.damping_rate * (zetas + params.nonlinear_damping),
        steps_per_segment=steps_per,
        detuning0=two_pi * (f0 - f_ref),
        shift=params.nonlinear_frequency_shift_rad,
        nonlinear_damping=params.nonlinear_damping,
        noise_scale=math.sqrt(params.damping_rate * BOLTZMANN_CONSTANT * temp / params.oscillation_energy_scale * dt),
        time_step=dt,
        drive=drive_fn,
        coupling=couple,
    )
    inputs = [values, f0, re, im] + ([coupling] if coupling is not None else []) + \
        [d.amplitude for d in drives if isinstance(d.amplitude, Tensor)]
    differentiable = torch.is_grad_enabled() and any(t.requires_grad for t in inputs)
    re, im, records, segments = run_heun(problem, re, im, config.n_steps, config.record_every, generator,
                                         differentiable, config.progress)
    if not bool(torch.isfinite(re.detach()).all() & torch.isfinite(im.detach()).all()):
        raise RfspinError("simulate_oscillators: the amplitude diverged (non-finite); reduce time_step or the drive")
    return OscillatorTrace(
        time_step=dt, n_steps=config.n_steps, record_every=config.record_every, reference_frequency=f_ref,
        amplitude=None if records is None else torch.complex(records[:, 0], records[:, 1]),
        final_amplitude=torch.complex(re, im),
        current=None if records is None else values[segments.to(values.device)],
    )
