"""The RF network in time: its oscillators and resonator chains integrated through a transient.

The static forward pass (:class:`rfspin.nn.network.RFNetwork`) takes every device in steady
state. Here, for one input, the inputs switch on at t = 0 from the state the network holds with
all inputs off, and every device follows its own dynamics:

- oscillator j (auto-oscillator model, :mod:`rfspin.dynamics.oscillator`, deterministic: no
  drive, no noise, so the phase decouples): dp/dt = 2 p G_G (zeta_j(t) (1 - p) - 1 - Q p),
  zeta_j = I_j(t)/I_th, I_j = g_m (V_j(t) + V_bias) clamped; it emits P = A p (dR/R beta)^2 R I^2
  at f0 + N p (its steady state is the static neuron exactly);
- chain j (``resonators="lowpass"``): its voltage follows the rectified target P W^T + b as a
  first-order low pass, dV/dt = 2 pi Delta_j (target - V), Delta_j = alpha mean_k f_jk (a
  resonator's amplitude responds at its half linewidth; an approximation for a chain of
  resonators at different frequencies); ``"instant"`` takes the chains as instantaneous.

Integrated with Heun's method (second order) on the whole state. The settling time is the last
time any output is more than ``tolerance`` (default 1 %) x max |V_static| away from the static
output; the steady-state deviation is max |V(T) - V_static| / max |V_static| at the end.
Oscillators below threshold with all inputs off start at ``power_floor`` (a thermal amplitude)
instead of exactly 0, which is an unstable fixed point above threshold.

API: ``run_network_in_time(network, inputs, duration=..., time_step=..., resonators="lowpass")``
-> :class:`NetworkTimeResult` (time_s, outputs, static_outputs, oscillator_powers,
settling_time, steady_state_deviation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ..dynamics.oscillator import power_derivative
from ..errors import RfspinError, RfspinTypeError
from ..physics.oscillator import emitted_frequency, normalized_power
from ..validation import check_number
from .engine import LayerKind, layer_kind
from .network import RFNetwork
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer, apply_chains

__all__ = ["NetworkTimeResult", "run_network_in_time"]

RESONATOR_MODELS = ("lowpass", "instant")


@dataclass(frozen=True)
class NetworkTimeResult:
    """Transient of one input. time_s (records,) [s]; outputs (records, n_out) [V];
    static_outputs (n_out,) [V]; oscillator_powers: per oscillator layer (records, n) [1];
    settling_time [s] (inf if never settled); steady_state_deviation [1]; time_step [s]."""

    time_s: Tensor
    outputs: Tensor
    static_outputs: Tensor
    oscillator_powers: list[Tensor]
    settling_time: float
    steady_state_deviation: float
    time_step: float
    tolerance: float


def _chain_rate(layer: ResonatorChainLayer) -> Tensor:
    """2 pi alpha mean_k f_jk (J,) [1/s]."""
    return 2 * math.pi * (layer.damping * layer.resonance_frequencies()).mean(-1)


def _emit(layer: OscillatorLayer, power: Tensor, voltage: Tensor):
    """(tone frequencies (n,) or (1, n) [Hz], emitted powers (1, n) [W]) of oscillators at power p."""
    current = layer.current(voltage)
    # P = A p (dR/R beta)^2 R I^2: the neuron's output power with p0 replaced by p
    scale = layer.power_prefactor * (layer.magnetoresistance_ratio * layer.spin_polarization) ** 2 * layer.resistance
    emitted = scale * power * current**2
    freqs = emitted_frequency(layer.frequencies, layer.nonlinear_frequency_shift, power) \
        if layer.has_frequency_shift() else layer.frequencies
    return freqs, emitted


def run_network_in_time(
    network: RFNetwork,
    inputs: Tensor,
    *,
    duration: float = 20e-6,
    time_step: float | None = None,
    resonators: str = "lowpass",
    record_every: int = 1,
    tolerance: float = 0.01,
    power_floor: float = 1e-4,
) -> NetworkTimeResult:
    """Run ``network`` in time for one normalised input (I,) or (1, I); see the module docstring.

    ``time_step`` defaults to 0.05 / the fastest rate (chains' 2 pi Delta, oscillators'
    2 G_G (zeta_max - 1)); a larger one must stay <= 0.2 / that rate.
    """
    if not isinstance(network, RFNetwork):
        raise RfspinTypeError(f"network: must be an RFNetwork, got {type(network).__name__}")
    if resonators not in RESONATOR_MODELS:
        raise RfspinError(f"resonators = {resonators!r}: choose one of {RESONATOR_MODELS}")
    duration = check_number(duration, "duration [s]", gt=0.0)
    tolerance = check_number(tolerance, "tolerance", gt=0.0, lt=1.0)
    power_floor = check_number(power_floor, "power_floor", gt=0.0, lt=1.0)
    every = check_number(record_every, "record_every", ge=1, integer=True)
    x = inputs.reshape(1, -1) if isinstance(inputs, Tensor) and inputs.dim() == 1 else inputs
    powers_in = network.input_powers(x)
    if powers_in.shape[0] != 1:
        raise RfspinError(f"inputs: one sample (I,) or (1, I), got shape {tuple(inputs.shape)}")
    stages = list(network.layers)
    with torch.no_grad():
        static = network.forward_powers(powers_in)[0]
        rates = [_chain_rate(s) for s in stages if layer_kind(s) is LayerKind.CHAINS]
        fastest = max(float(r.max()) for r in rates) if resonators == "lowpass" else 0.0
        for s in stages:
            if layer_kind(s) is LayerKind.OSCILLATORS:
                fastest = max(fastest, float((2 * s.oscillator.relaxation_rate * (s.max_current_ratio - 1)).max()))
        limit = 0.2 / fastest
        dt = 0.05 / fastest if time_step is None else check_number(time_step, "time_step [s]", gt=0.0)
        if dt > limit:
            raise RfspinError(f"time_step = {dt:.4g} s: must be <= 0.2 / {fastest:.4g} 1/s = {limit:.4g} s, the "
                              "limit set by the fastest chain or oscillator rate")
        n_steps = max(1, math.ceil(duration / dt - 1e-9))
        return _integrate(network, stages, powers_in, static, rates, resonators, dt, n_steps, every, tolerance,
                          power_floor)


def _integrate(network, stages, powers_in, static, rates, resonators, dt, n_steps, every, tolerance, power_floor):
    dtype = torch.float64
    chains = [s for s in stages if layer_kind(s) is LayerKind.CHAINS]
    weights = [c.weights().to(dtype) for c in chains]
    biases = [c.bias_voltage().to(dtype) for c in chains]
    rates = [r.to(dtype) for r in rates]

    def targets_and_derivatives(volts, powers, drive):
        """d/dt of (chain voltages, oscillator powers) for input tone powers ``drive``."""
        d_volts, d_powers = [], []
        tone_powers, tone_freqs, chain_index, osc_index = drive, None, 0, 0
        for stage in stages:
            if layer_kind(stage) is LayerKind.CHAINS:
                w = weights[chain_index] if tone_freqs is None or tone_freqs.dim() == 1 else \
                    stage.weights(tone_freqs.to(stage.detuning.dtype)).to(dtype)
                target = apply_chains(tone_powers, w, biases[chain_index])
                v = volts[chain_index]
                d_volts.append(rates[chain_index] * (target - v) if resonators == "lowpass" else target)
                chain_index += 1
            else:
                v_in = volts[chain_index - 1]
                p = powers[osc_index]
                zeta = stage.current(v_in) / stage.threshold_current
                d_powers.append(power_derivative(p, zeta, stage.oscillator.relaxation_rate, stage.nonlinear_damping))
                tone_freqs, tone_powers = _emit(stage, p, v_in)
                osc_index += 1
        return d_volts, d_powers

    # start: all inputs off, in steady state; then the input tones switch on
    volts, powers = _steady_state(stages, weights, biases, torch.zeros_like(powers_in, dtype=dtype), power_floor)
    drive = powers_in.to(dtype)
    records, osc_records, times = [], [[] for _ in powers], []
    for step in range(n_steps):
        dv1, dp1 = targets_and_derivatives(volts, powers, drive)
        if resonators == "instant":
            volts_mid = dv1
        else:
            volts_mid = [v + dt * d for v, d in zip(volts, dv1)]
        powers_mid = [torch.clamp(p + dt * d, min=0.0) for p, d in zip(powers, dp1)]
        dv2, dp2 = targets_and_derivatives(volts_mid, powers_mid, drive)
        volts = dv2 if resonators == "instant" else [v + 0.5 * dt * (a + b) for v, a, b in zip(volts, dv1, dv2)]
        powers = [torch.clamp(p + 0.5 * dt * (a + b), min=0.0) for p, a, b in zip(powers, dp1, dp2)]
        if (step + 1) % every == 0:
            records.append(volts[-1][0].clone())
            for store, p in zip(osc_records, powers):
                store.append(p[0].clone())
            times.append((step + 1) * dt)
    outputs = torch.stack(records)
    static = static.to(dtype)
    scale = float(static.abs().max().clamp_min(1e-30))
    off = ((outputs - static).abs() > tolerance * scale).any(-1)
    time_s = torch.tensor(times, dtype=dtype)
    if bool(off[-1]):
        settling = math.inf
    else:
        outside = torch.nonzero(off).flatten()
        settling = 0.0 if outside.numel() == 0 else float(time_s[outside[-1]])
    return NetworkTimeResult(
        time_s=time_s, outputs=outputs, static_outputs=static,
        oscillator_powers=[torch.stack(s) for s in osc_records], settling_time=settling,
        steady_state_deviation=float((outputs[-1] - static).abs().max()) / scale, time_step=dt, tolerance=tolerance,
    )


def _steady_state(stages, weights, biases, drive, power_floor):
    """Chain voltages and oscillator powers of the static network for tone powers ``drive``."""
    volts, powers = [], []
    tone_powers, tone_freqs, chain_index = drive, None, 0
    for stage in stages:
        if layer_kind(stage) is LayerKind.CHAINS:
            w = weights[chain_index] if tone_freqs is None or tone_freqs.dim() == 1 else \
                stage.weights(tone_freqs.to(stage.detuning.dtype)).to(weights[0].dtype)
            volts.append(apply_chains(tone_powers, w, biases[chain_index]))
            chain_index += 1
        else:
            current = stage.current(volts[-1])
            p0 = normalized_power(current / stage.threshold_current, stage.nonlinear_damping).to(volts[-1].dtype)
            powers.append(torch.clamp(p0, min=power_floor))
            tone_freqs, tone_powers = _emit(stage, p0, volts[-1])
    return volts, powers
