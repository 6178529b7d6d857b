"""Time-multiplexed spin-torque-oscillator reservoir (Torrejon et al., Nature 547, 428 (2017)).

Each feature frame x_t (features,) of an utterance is multiplied by a fixed random binary mask
M (features, N) into N values u_{t,k} = (x_t M)_k / sqrt(features), the "virtual neurons". Each is
applied to the oscillator as a DC current held for a time theta:

    I_{t,k} = I_b (1 + s u_{t,k}),  clamped to [0, zeta_max I_th]                       [A]

with I_b the operating (bias) current and s the input scaling. The oscillator follows the
universal auto-oscillator equation (:mod:`rfspin.dynamics.oscillator`, integrated by
:func:`rfspin.dynamics.oscillator_sim.simulate_oscillators`, thermal noise at T, 300 K by
default); its normalised power p = |c|^2 (what a rectifier reads) at the end of each theta is the
state r_{t,k} of virtual neuron k in frame t. The transient (power relaxation at 2 G_G (zeta - 1))
couples neighbouring virtual neurons and consecutive frames: that is the reservoir's memory and,
with the saturation of p, its non-linearity. theta is chosen as a fraction of the relaxation time
1 / (2 G_p) at the operating point.

Exact reduction used for speed: an undriven, uncoupled oscillator's power does not depend on its
phase (the thermal noise is isotropic), so the single-oscillator reservoir integrates it in the
frame that co-rotates with the oscillator and without the nonlinear frequency shift N (which only
rotates the phase). The power dynamics are unchanged; the time step is then set by the power
relaxation instead of the phase rotation. With coupling (``oscillators`` K > 1, ``coupling`` > 0)
the phases matter and the full model is integrated.

Batching: all utterances of a chunk are one simulation, each utterance its own device (with K
oscillators, K devices per utterance, the N virtual neurons split over them: N / K each per theta).

API: ``ReservoirConfig``, ``make_mask``, ``run_reservoir(features, params, config, ...)`` ->
list of (frames, N) states, ``reservoir_trace`` (fine-grained response of one utterance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from ..device import make_generator, random_uniform
from ..dynamics.junction_sim import PiecewiseCurrent
from ..dynamics.oscillator import power_relaxation_rate
from ..dynamics.oscillator_params import AutoOscillatorParams
from ..dynamics.oscillator_sim import (
    OscillatorSimConfig,
    fastest_rate,
    simulate_oscillators,
)
from ..errors import RfspinError, RfspinTypeError
from ..validation import check_fields

__all__ = ["ReservoirConfig", "make_mask", "operating_rate", "reservoir_trace", "run_reservoir", "steps_per_node"]

#: Largest number of current samples (segments x devices) simulated at once (memory bound).
_CHUNK_VALUES = 40_000_000


@dataclass(frozen=True)
class ReservoirConfig:
    """A time-multiplexed oscillator reservoir.

    Fields:
        nodes: N, virtual neurons per frame (all oscillators together) [1].
        theta: time each virtual neuron's current is held [s]; None: ``theta_fraction`` of the
            power relaxation time 1 / (2 G_p) at the bias current.
        theta_fraction: theta in units of 1 / (2 G_p) when ``theta`` is None [1].
        bias_current_ratio: I_b / I_th, the operating point [1]. Far above threshold the thermal
            fluctuations of p relative to p0, D(p0) / (G_p p0), are smaller (default 3, chosen by
            cross-validation on the FSDD training set among the settings in docs/oscillatory.md).
        max_current_ratio: current limit I_max / I_th (device protection; the input current is
            clamped to [0, I_max]) [1].
        input_scaling: s, relative current modulation per unit of masked input [1].
        temperature: T [K]; 0 turns the thermal noise off.
        oscillators: K physical oscillators sharing the N virtual neurons (N divisible by K) [1].
        coupling: strength of the (fixed, random, normalised) coupling between the K oscillators,
            in units of G_G [1]; 0: independent oscillators.
        steps_per_node: minimum integration steps per theta (refined so that dt x the fastest
            power relaxation <= 0.5) [1].
        seed: seed of the mask and the coupling (the noise has its own generator) [1].
    """

    nodes: int = 400
    theta: float | None = None
    theta_fraction: float = 2.0
    bias_current_ratio: float = 3.0
    max_current_ratio: float = 4.0
    input_scaling: float = 0.5
    temperature: float = 300.0
    oscillators: int = 1
    coupling: float = 0.0
    steps_per_node: int = 2
    seed: int = 0

    def __post_init__(self) -> None:
        check_fields(self, nodes={"ge": 1, "le": 100_000}, theta_fraction={"gt": 0.0, "le": 100.0},
                     bias_current_ratio={"gt": 1.0, "le": 1e3}, max_current_ratio={"gt": 1.0, "le": 1e3}, input_scaling={"ge": 0.0, "le": 100.0},
                     temperature={"ge": 0.0, "le": 1e4}, oscillators={"ge": 1, "le": 1024},
                     coupling={"ge": 0.0, "le": 100.0}, steps_per_node={"ge": 1, "le": 1000}, seed={"ge": 0})
        if self.theta is not None:
            from ..validation import check_number

            object.__setattr__(self, "theta", check_number(self.theta, "ReservoirConfig.theta [s]", gt=0.0, le=1.0))
        if self.nodes % self.oscillators:
            raise RfspinError(f"ReservoirConfig.nodes = {self.nodes}: must be divisible by oscillators = "
                              f"{self.oscillators}")

    def node_time(self, params: AutoOscillatorParams) -> float:
        """theta [s] for ``params``."""
        if self.theta is not None:
            return self.theta
        return self.theta_fraction / operating_rate(params, self.bias_current_ratio)


def operating_rate(params: AutoOscillatorParams, bias_current_ratio: float) -> float:
    """2 G_p = 2 G_G (zeta_b - 1) [1/s], the power relaxation rate at the operating point."""
    return float(power_relaxation_rate(bias_current_ratio * params.threshold_current, params))


def make_mask(features: int, nodes: int, seed: int) -> torch.Tensor:
    """Fixed random binary mask (features, nodes) of +-1 / sqrt(features) (float64)."""
    gen = make_generator("cpu", seed)
    signs = torch.where(random_uniform((features, nodes), gen, dtype=torch.float64) < 0.5, -1.0, 1.0)
    return signs.to(torch.float64) / math.sqrt(features)


def _coupling_matrix(k: int, strength: float, damping_rate: float, seed: int) -> torch.Tensor:
    """(K, K) complex Omega [1/s]: random unit-modulus phases, zero diagonal, rows normalised to strength G_G."""
    gen = make_generator("cpu", seed + 1)
    phase = 2 * math.pi * random_uniform((k, k), gen, dtype=torch.float64)
    omega = torch.polar(torch.ones_like(phase), phase) * (1 - torch.eye(k, dtype=torch.float64))
    return omega * (strength * damping_rate / max(k - 1, 1))


def _currents(frames: list[np.ndarray], mask: torch.Tensor, config: ReservoirConfig, params: AutoOscillatorParams,
              dtype, device) -> torch.Tensor:
    """(frames_max * N / K, utterances * K) current [A], padded frames held at the bias."""
    longest = max(len(f) for f in frames)
    k = config.oscillators
    per = config.nodes // k
    bias = config.bias_current_ratio * params.threshold_current
    i_max = config.max_current_ratio * params.threshold_current
    out = torch.full((longest, per, len(frames), k), bias, dtype=torch.float64)
    for b, f in enumerate(frames):
        u = torch.from_numpy(np.asarray(f, dtype=np.float64)) @ mask  # (frames, N)
        out[: len(f), :, b, :] = (bias * (1.0 + config.input_scaling * u)).clamp(0.0, i_max).view(len(f), k, per) \
            .transpose(1, 2)
    return out.reshape(longest * per, len(frames) * k).to(dtype=dtype, device=device)


def steps_per_node(params: AutoOscillatorParams, config: ReservoirConfig) -> int:
    """Integration steps per theta: at least ``config.steps_per_node``, and enough that dt x the
    fastest power relaxation G_G max(2 (zeta_max - 1), 1 + |Q|) <= 0.5; coupled oscillators also
    need their phases resolved (dt x fastest rotating-frame rate <= 0.2)."""
    theta = config.node_time(params)
    relax = params.damping_rate * max(2.0 * (config.max_current_ratio - 1.0), 1.0 + abs(params.nonlinear_damping))
    steps = max(config.steps_per_node, math.ceil(relax * theta / 0.5 - 1e-9))
    if not (config.oscillators > 1 and config.coupling > 0):
        return steps
    i_max = config.max_current_ratio * params.threshold_current
    block = _coupling_matrix(config.oscillators, config.coupling, params.damping_rate, config.seed)
    f_ref = params.free_running_frequency + params.nonlinear_frequency_shift * float(
        (config.bias_current_ratio - 1) / (config.bias_current_ratio + params.nonlinear_damping))
    rate, _ = fastest_rate(params, torch.tensor([params.free_running_frequency]), i_max, f_ref, (), block)
    return max(steps, math.ceil(rate * theta / 0.2))


def _simulate(currents: torch.Tensor, params: AutoOscillatorParams, config: ReservoirConfig, utterances: int,
              generator, dtype, device, record_every: int | None = None):
    theta = config.node_time(params)
    steps = steps_per_node(params, config)
    record_every = steps if record_every is None else record_every
    dt = theta / steps
    k = config.oscillators
    coupled = k > 1 and config.coupling > 0
    sim_params = params if coupled else replace(params, nonlinear_frequency_shift=0.0)
    coupling = None
    if coupled:
        block = _coupling_matrix(k, config.coupling, params.damping_rate, config.seed)
        coupling = torch.block_diag(*([block] * utterances)).to(device)
    sim = OscillatorSimConfig(duration=currents.shape[0] * theta, time_step=dt, record_every=record_every,
                              reference_frequency=None if coupled else params.free_running_frequency,
                              max_step_fraction=1.0)  # accuracy is ensured by steps_per_node (checked above)
    # every utterance starts from the free-running state at the bias current
    p_bias = (config.bias_current_ratio - 1.0) / (config.bias_current_ratio + params.nonlinear_damping)
    start = torch.full((currents.shape[1],), math.sqrt(p_bias), dtype=dtype, device=device)
    return simulate_oscillators(sim_params, PiecewiseCurrent(currents, theta), sim, coupling=coupling,
                                initial_amplitude=torch.complex(start, torch.zeros_like(start)),
                                temperature=config.temperature, generator=generator, dtype=dtype, device=device)


def run_reservoir(
    features: list[np.ndarray],
    params: AutoOscillatorParams,
    config: ReservoirConfig,
    *,
    generator: torch.Generator | None = None,
    chunk_size: int = 4096,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
    progress: bool = False,
) -> list[np.ndarray]:
    """Virtual-neuron states (frames_i, N) float32 of every utterance (features: list of (frames_i, F)).

    Utterances are sorted by length and simulated up to ``chunk_size`` at a time (fewer when the
    padded current samples would exceed a memory bound: the sum of the chunks' longest utterances
    sets the number of sequential steps); ``generator`` drives the thermal noise (required when
    ``config.temperature`` > 0).
    """
    if not isinstance(params, AutoOscillatorParams):
        raise RfspinTypeError(f"params: must be an AutoOscillatorParams, got {type(params).__name__}")
    if not features:
        raise RfspinError("run_reservoir: no utterances")
    width = features[0].shape[1] if np.ndim(features[0]) == 2 else -1
    for f in features:
        if np.ndim(f) != 2 or f.shape[1] != width or len(f) == 0:
            raise RfspinError(f"run_reservoir: every utterance must be (frames >= 1, {width}) features")
        if not np.all(np.isfinite(f)):
            raise RfspinError("run_reservoir: features contain NaN or infinite values")
    if config.temperature > 0 and generator is None:
        raise RfspinError("run_reservoir: a torch.Generator is required when the temperature is > 0 K")
    threads = torch.get_num_threads()
    try:
        # one thread: every step is a few small element-wise ops (thread start-up and OpenMP
        # spin-waiting would cost more than they give, and interfere with BLAS threads)
        torch.set_num_threads(1)
        return _run_chunks(features, params, config, generator, chunk_size, dtype, device, progress, width)
    finally:
        torch.set_num_threads(threads)


def _run_chunks(features, params, config, generator, chunk_size, dtype, device, progress, width):
    mask = make_mask(width, config.nodes, config.seed)
    k, per = config.oscillators, config.nodes // config.oscillators
    order = sorted(range(len(features)), key=lambda i: len(features[i]))
    coupled = k > 1 and config.coupling > 0
    states: list[np.ndarray | None] = [None] * len(features)
    from tqdm import tqdm

    bar = tqdm(total=len(features), desc="oscillator reservoir", disable=not progress, leave=False)
    start = 0
    while start < len(order):
        # the largest chunk whose padded current samples fit the memory bound (lengths ascend)
        size = 1
        limit = chunk_size if not coupled else max(1, 256 // k)
        while (start + size < len(order) and size < limit
               and (size + 1) * len(features[order[start + size]]) * config.nodes <= _CHUNK_VALUES):
            size += 1
        idx = order[start: start + size]
        chunk = [features[i] for i in idx]
        currents = _currents(chunk, mask, config, params, dtype, device)
        trace = _simulate(currents, params, config, len(chunk), generator, dtype, device)
        power = trace.power[:, 0, :].detach().to("cpu", torch.float32)  # (frames*per, utt*K)
        longest = len(max(chunk, key=len))
        power = power.view(longest, per, len(chunk), k).permute(2, 0, 3, 1).reshape(len(chunk), longest, k * per)
        for j, i in enumerate(idx):
            states[i] = power[j, : len(features[i])].numpy().copy()
        start += size
        bar.update(size)
    bar.close()
    return states  # type: ignore[return-value]


def reservoir_trace(features: np.ndarray, params: AutoOscillatorParams, config: ReservoirConfig,
                    *, generator: torch.Generator | None = None, samples_per_node: int = 6) -> dict:
    """Fine-grained response of one utterance (first oscillator): time [s], power, current [A],
    and the virtual-neuron sample times and values, for plots."""
    fine = replace(config, steps_per_node=max(steps_per_node(params, config), samples_per_node))
    mask = make_mask(features.shape[1], config.nodes, config.seed)
    currents = _currents([features], mask, fine, params, torch.float64, "cpu")
    trace = _simulate(currents, params, fine, 1, generator, torch.float64, "cpu", 1)
    power = trace.power[:, 0, 0].numpy()
    every = steps_per_node(params, fine)
    times = trace.record_times.numpy()
    return {"time_s": times, "power": power, "current_a": trace.current[:, 0].numpy(),
            "node_time_s": times[every - 1:: every], "node_power": power[every - 1:: every],
            "theta_s": fine.node_time(params), "nodes": config.nodes // config.oscillators}
