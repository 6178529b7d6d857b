"""Batched, exact simulation of superparamagnetic junctions in time: :func:`simulate_telegraph`.

Many independent junctions at once: a batch of (trials, *devices) where ``devices`` is the shape
that the current and the (per-device) parameters broadcast to, and ``trials`` repeats it with
independent randomness. Two exact methods (equations in :mod:`rfspin.dynamics.junction`):

- ``"steps"``: the discrete-time chain sampled every ``time_step`` dt, switching with the exact
  per-step probabilities of :func:`~rfspin.dynamics.junction.transition_probabilities` (exact for
  piecewise-constant current, any dt). Implemented by drawing the geometric number of steps to
  each junction's next switch, so uneventful steps cost nothing
  (see :mod:`rfspin.dynamics.junction_engine`).
- ``"events"``: continuous time, exponential dwell times drawn directly; for long windows.

Rule for the time step ("steps"): a step of dt can hide a switch and a switch back, which a
sampled trace cannot see; the fraction of switches so missed is about dt / (2 tau_other).
``time_step`` must therefore be <= ``max_step_fraction`` (default 0.02, i.e. <= 1 % missed
switches) times the shortest mean dwell time over all devices and current values; the error
names that limit. A piecewise-constant current must hold each value for a whole number of time
steps (the time step must resolve it). Event times are kept in float64 whatever the parameters'
dtype (float32 cannot count beyond 2^24 steps); states are bool.

Randomness only through the ``generator`` given; its device is the device of the computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError
from ..validation import check_fields, check_number
from .junction import antiparallel_probability, mean_dwell_times, transition_probabilities
from .junction_engine import run_engine
from .junction_params import JunctionParams, JunctionTensors, junction_tensors

__all__ = ["TelegraphConfig", "PiecewiseCurrent", "DwellTimes", "TelegraphResult", "simulate_telegraph"]

METHODS = ("steps", "events")
#: Largest trace simulate_telegraph allocates (one byte per junction and record).
MAX_TRACE_BYTES = 4 << 30


@dataclass(frozen=True)
class TelegraphConfig:
    """How long and how finely to simulate.

    Fields:
        duration: simulated time window [s], rounded up to a whole number of time steps.
        time_step: dt [s]: the step of the discrete-time chain ("steps") and, for both methods,
            the sampling step of the recorded trace.
        record_every: k: record the state after every k-th step (``n_steps // k`` records);
            None records no trace [1].
        method: "steps" (exact discrete-time chain) or "events" (exact continuous time).
        collect_dwell_times: keep every completed dwell time (memory grows with the switches).
        max_step_fraction: "steps" only: time_step must be <= this x the shortest mean dwell
            time in the system [1].
    """

    duration: float
    time_step: float
    record_every: int | None = 1
    method: str = "steps"
    collect_dwell_times: bool = False
    max_step_fraction: float = 0.02

    def __post_init__(self) -> None:
        check_fields(self, duration={"gt": 0.0}, time_step={"gt": 0.0}, max_step_fraction={"gt": 0.0, "le": 1.0})
        if self.method not in METHODS:
            raise RfspinError(f"TelegraphConfig.method = {self.method!r}: must be one of {METHODS}")
        if not isinstance(self.collect_dwell_times, bool):
            raise RfspinTypeError(f"TelegraphConfig.collect_dwell_times = {self.collect_dwell_times!r}: must be a bool")
        if self.time_step > self.duration:
            raise RfspinError(
                f"TelegraphConfig.time_step = {self.time_step!r} s: must be <= duration = {self.duration!r} s"
            )
        if self.duration / self.time_step > 2.0**53:
            raise RfspinError(
                f"TelegraphConfig: duration / time_step = {self.duration / self.time_step:.3g} steps: must be <= 2^53"
            )
        if self.record_every is not None:
            every = check_number(self.record_every, "TelegraphConfig.record_every", ge=1, integer=True)
            if every > self.n_steps:
                raise RfspinError(
                    f"TelegraphConfig.record_every = {every}: must be <= the number of steps {self.n_steps} "
                    "(or None for no trace)"
                )
            object.__setattr__(self, "record_every", every)

    @property
    def n_steps(self) -> int:
        """Number of time steps: duration / time_step, rounded up unless within 1e-9 of an integer."""
        return step_count(self.duration, self.time_step)


def step_count(duration: float, time_step: float) -> int:
    """duration / time_step, rounded up unless within 1e-9 of an integer (float round-off)."""
    ratio = duration / time_step
    nearest = round(ratio)
    return int(nearest) if abs(ratio - nearest) <= 1e-9 * ratio else math.ceil(ratio)


@dataclass(frozen=True)
class PiecewiseCurrent:
    """A current that holds ``values[j]`` during [j T, (j + 1) T), T = ``segment_duration``.

    ``values``: (segments, *devices) tensor [A]; ``segment_duration``: T [s], a whole number of
    time steps.
    """

    values: Tensor
    segment_duration: float

    def __post_init__(self) -> None:
        if not isinstance(self.values, Tensor) or not self.values.is_floating_point() or self.values.dim() < 1:
            raise RfspinTypeError("PiecewiseCurrent.values: must be a floating tensor of shape (segments, *devices)")
        if self.values.shape[0] < 1:
            raise RfspinError("PiecewiseCurrent.values: needs at least one segment")
        object.__setattr__(
            self, "segment_duration", check_number(self.segment_duration, "PiecewiseCurrent.segment_duration", gt=0.0)
        )


@dataclass(frozen=True)
class DwellTimes:
    """Completed dwell times [s] pooled over the batch (the last, unfinished dwell is left out).

    ``*_junction``: flat index of the junction of each dwell in the result's (trials, *devices)
    shape. With method "steps" the dwell times are whole numbers of time steps.
    """

    parallel: Tensor
    antiparallel: Tensor
    parallel_junction: Tensor
    antiparallel_junction: Tensor


@dataclass(frozen=True)
class TelegraphResult:
    """What :func:`simulate_telegraph` measured; tensors have shape (trials, *devices) unless noted.

    Fields:
        time_step: dt [s]; n_steps: number of steps; record_every: k or None; method.
        final_antiparallel: state after the last step (bool).
        switches: switching events in the window (int64).
        exits_from_parallel: P -> AP events (int64); AP -> P is ``switches - exits_from_parallel``.
        time_antiparallel: time spent in AP [s] (float64; "steps": whole steps, states sampled
            at the start of each step).
        trace: (records, trials, *devices) bool, the state at ``record_times``; or None.
        dwell_times: :class:`DwellTimes` or None.
    """

    time_step: float
    n_steps: int
    record_every: int | None
    method: str
    final_antiparallel: Tensor
    switches: Tensor
    exits_from_parallel: Tensor
    time_antiparallel: Tensor
    trace: Tensor | None
    dwell_times: DwellTimes | None

    @property
    def duration(self) -> float:
        """Simulated window n_steps * dt [s]."""
        return self.n_steps * self.time_step

    @property
    def record_times(self) -> Tensor:
        """(records,) float64 times of the trace's rows [s]: k dt, 2 k dt, ..."""
        if self.trace is None:
            return torch.empty(0, dtype=torch.float64)
        rows = torch.arange(1, self.trace.shape[0] + 1, dtype=torch.float64, device=self.trace.device)
        return rows * (self.record_every * self.time_step)

    @property
    def antiparallel_fraction(self) -> Tensor:
        """Fraction of the window spent in AP [1]."""
        return self.time_antiparallel / self.duration

    @property
    def mean_state(self) -> Tensor:
        """Time-averaged magnetisation <m> (m = +1 AP, -1 P)."""
        return 2.0 * self.antiparallel_fraction - 1.0

    @property
    def switching_rate(self) -> Tensor:
        """Switching events per second in the window [1/s]."""
        return self.switches.to(torch.float64) / self.duration

    def mean_dwell_times(self, dim: int | tuple[int, ...] | None = 0) -> tuple[Tensor, Tensor]:
        """(tau_P, tau_AP) estimated as time spent in a state / exits from it, pooled over ``dim``.

        The maximum-likelihood estimate of an exponential mean from a window with a censored
        last dwell. Default: pooled over trials (one estimate per device); None pools all. A
        state never left in the window gives inf (the dwell outlasts the window).
        """
        time_p = self.duration - self.time_antiparallel
        exits_p = self.exits_from_parallel.to(torch.float64)
        exits_ap = self.switches.to(torch.float64) - exits_p
        sums = [time_p, exits_p, self.time_antiparallel, exits_ap]
        sums = [s.sum() if dim is None else s.sum(dim) for s in sums]
        return sums[0] / sums[1], sums[2] / sums[3]


def _params_on(params, device: torch.device) -> JunctionTensors:
    """Validated float64 parameter tensors on the computation's device (rates need float64)."""
    if not isinstance(params, (JunctionParams, JunctionTensors)):
        raise RfspinTypeError(f"params = {params!r}: must be a JunctionParams or JunctionTensors")
    return junction_tensors(params, device=device, dtype=torch.float64)


def _current_segments(current, device: torch.device) -> tuple[Tensor, float | None]:
    """(values (segments, *devices) float64, segment duration or None for a constant current)."""
    if isinstance(current, PiecewiseCurrent):
        values, segment = current.values, current.segment_duration
    elif isinstance(current, Tensor):
        if not current.is_floating_point():
            raise RfspinTypeError(f"current: must be a floating tensor [A], got {current.dtype}")
        values, segment = current.unsqueeze(0), None
    else:
        values, segment = torch.tensor([check_number(current, "current")], dtype=torch.float64), None
    if values.device.type != device.type or (device.index is not None and values.device != device):
        raise RfspinError(f"current: on {values.device}, but the generator (the computation) is on {device}")
    if not bool(torch.isfinite(values).all()):
        raise RfspinError("current: contains NaN or inf; every current must be finite [A]")
    return values.to(device=device, dtype=torch.float64), segment


def _check_resolution(config: TelegraphConfig, segment: float, n_segments: int) -> int:
    """Steps per current segment, or an error if the time step does not resolve the waveform."""
    dt = config.time_step
    ratio = segment / dt
    steps = round(ratio)
    if steps < 1 or abs(ratio - steps) > 1e-6 * ratio:
        raise RfspinError(
            f"the current changes every {segment:.6g} s, which time_step = {dt:.6g} s does not resolve: "
            f"time_step must divide the segment duration (e.g. time_step = {segment / max(1, math.ceil(ratio)):.6g} s)"
        )
    if n_segments * steps < config.n_steps:
        raise RfspinError(
            f"the current waveform lasts {n_segments * segment:.6g} s, shorter than duration = {config.duration:.6g} s"
        )
    return steps


def _segment_grid(values: Tensor, n_device_dims: int) -> Tensor:
    """(segments, 1.., *current dims): the segment axis must not align with a parameter dimension."""
    return values.reshape(values.shape[:1] + (1,) * (n_device_dims - values.dim() + 1) + values.shape[1:])


def _check_time_step(config: TelegraphConfig, values: Tensor, p: JunctionTensors) -> None:
    """The "steps" rule: time_step <= max_step_fraction x the shortest mean dwell time (``values``: a grid)."""
    tau_p, tau_ap = mean_dwell_times(values, p)
    shortest = torch.minimum(tau_p, tau_ap).reshape(-1)
    index = int(torch.argmin(shortest))
    tau_min = float(shortest[index])
    limit = config.max_step_fraction * tau_min
    if config.time_step > limit:
        at = float(torch.broadcast_to(values, tau_p.shape).reshape(-1)[index])
        raise RfspinError(
            f"time_step = {config.time_step:.4g} s is too large: it must be <= {config.max_step_fraction:g} x the "
            f"shortest mean dwell time {tau_min:.4g} s (reached at current {at:.4g} A) = {limit:.4g} s, "
            "or a step could hide a switch and a switch back; use a smaller time_step or method='events'"
        )


def simulate_telegraph(
    params: JunctionParams | JunctionTensors,
    current: Tensor | float | PiecewiseCurrent,
    config: TelegraphConfig,
    *,
    generator: torch.Generator,
    trials: int = 1,
    initial_antiparallel: Tensor | bool | None = None,
    progress: bool = False,
) -> TelegraphResult:
    """Simulate telegraph switching of a batch of junctions (the one simulation entry point).

    ``current`` [A]: a number, a tensor of shape (*devices) (constant), or a
    :class:`PiecewiseCurrent`; it broadcasts against the parameters' tensors. ``trials``
    independent repetitions form the leading dimension of every output. ``initial_antiparallel``:
    the state at t = 0 (broadcast to (trials, *devices)); None draws it from the stationary
    distribution at the first current value. All inputs are validated before any work.
    """
    if not isinstance(config, TelegraphConfig):
        raise RfspinTypeError(f"config = {config!r}: must be a TelegraphConfig")
    if not isinstance(generator, torch.Generator):
        raise RfspinTypeError(f"generator = {generator!r}: must be a torch.Generator (all randomness goes through it)")
    trials = check_number(trials, "trials", ge=1, integer=True)
    device = generator.device
    values, segment = _current_segments(current, device)
    p = _params_on(params, device)
    try:
        devices = torch.broadcast_shapes(values.shape[1:], p.batch_shape)
    except RuntimeError as exc:
        raise RfspinError(
            f"current of shape {tuple(values.shape[1:])} and parameters of shape {tuple(p.batch_shape)} "
            "do not broadcast"
        ) from exc
    shape = (trials, *devices)
    m = math.prod(shape)
    n_steps = config.n_steps
    steps_per_segment = n_steps if segment is None else _check_resolution(config, segment, values.shape[0])
    grid = _segment_grid(values, len(devices))
    if config.method == "steps":
        _check_time_step(config, grid, p)
    if config.record_every is not None and (n_steps // config.record_every) * m > MAX_TRACE_BYTES:
        raise RfspinError(
            f"the trace would need {(n_steps // config.record_every) * m / 2**30:.1f} GiB "
            f"(limit {MAX_TRACE_BYTES / 2**30:.0f} GiB): increase record_every or set it to None"
        )
    if initial_antiparallel is None:
        stationary = torch.broadcast_to(antiparallel_probability(values[0], p), shape)
        initial = torch.rand(shape, dtype=torch.float64, device=device, generator=generator) < stationary
    else:
        initial = torch.as_tensor(initial_antiparallel, device=device)
        if initial.dtype != torch.bool:
            raise RfspinTypeError(f"initial_antiparallel: must be bool (True = AP), got {initial.dtype}")
        try:
            initial = torch.broadcast_to(initial, shape)
        except RuntimeError as exc:
            raise RfspinError(
                f"initial_antiparallel of shape {tuple(initial.shape)} does not broadcast to {shape}"
            ) from exc
    segments = [(start, min(start + steps_per_segment, n_steps)) for start in range(0, n_steps, steps_per_segment)]

    # waiting-time coefficients of every segment at once (one pass of exp/log, not one per segment)
    if config.method == "steps":
        to_ap, to_p = transition_probabilities(grid, config.time_step, p)
        table = (torch.log1p(-to_ap), torch.log1p(-to_p))
    else:
        table = tuple(tau / config.time_step for tau in mean_dwell_times(grid, p))

    def coefficients(j: int) -> tuple[Tensor, Tensor]:
        return tuple(torch.broadcast_to(c[j], shape).reshape(-1) for c in table)

    from tqdm.auto import tqdm

    with tqdm(total=n_steps, disable=not progress, unit="step", desc=f"telegraph ({config.method})",
              leave=False) as bar:
        out = run_engine(
            method=config.method, n_steps=n_steps, segments=segments, segment_coefficients=coefficients,
            initial_state=initial.reshape(-1).clone(), generator=generator, record_every=config.record_every,
            collect_dwell_times=config.collect_dwell_times, progress_bar=bar,
        )
    dwell = None
    if out.dwell_steps is not None:
        steps, was_ap, junction = out.dwell_steps
        seconds = steps * config.time_step
        dwell = DwellTimes(seconds[~was_ap], seconds[was_ap], junction[~was_ap], junction[was_ap])
    return TelegraphResult(
        time_step=config.time_step, n_steps=n_steps, record_every=config.record_every, method=config.method,
        final_antiparallel=out.state.reshape(shape), switches=out.switches.reshape(shape),
        exits_from_parallel=out.exits_from_parallel.reshape(shape),
        time_antiparallel=(out.time_antiparallel * config.time_step).reshape(shape),
        trace=None if out.trace is None else out.trace.reshape(-1, *shape), dwell_times=dwell,
    )
