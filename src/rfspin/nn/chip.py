"""Chip instances: a trained RF network plus a seeded sample of its static non-idealities.

A chip is what a fab returns for a network program: every device is written with error, differs
from its neighbours, sits at some temperature, some are dead. :class:`ChipInstance` holds the
network (ideal twin) and the *static* sample (drawn once, saved with the chip); every forward
resamples the *noise* (rectified-voltage noise, oscillator power/frequency fluctuations) with the
chip's own noise generator. Models and sources: :mod:`rfspin.nonideal.models`.

Use (the hidden-chip simulator backend of chip-in-the-loop training builds on this)::

    chip = ChipInstance.sample(model, nonideal, generator=torch.Generator().manual_seed(7))
    volts = chip(x)                   # (B, n_out) measured output voltages [V]; x (B, I) in [0, 1]
    chip.save("chip.pt"); same = ChipInstance.load("chip.pt")   # identical static sample

The same engine evaluates C chips at once (leading chip dimension, no Python loop over chips):
:func:`sample_static` draws (C, ...) tensors and :func:`chip_forward` returns (C, B, n_out).
It is differentiable in the network's parameters (hardware-aware training).

Order of the static effects on a resonator (its programmed target f from the network):
tuning range/resolution (analog NV synapse) -> stuck devices stay at the anchor -> programming
error f (1 + e_rel) + e_abs -> temperature f (1 + c_f dT). Sensitivity K: variability x
temperature x insertion loss of its chain position x alive mask; linewidth from damping x
variability; a_A, a_S + Gaussian offsets. Tone powers saturate (P / (1 + P / P_sat)) before
rectification. Oscillators: I_th, Q, f0 and power spread; temperature scales I_th by c_I and the
emitted frequency by the resonators' c_f (same vortex gyrotropic physics). The output voltages
go through the ADC.
"""

from __future__ import annotations

import io
import math

import torch
from torch import Tensor, nn

from ..errors import RfspinError
from ..fileio import atomic_write
from ..nonideal.config import describe, from_description
from ..nonideal.models import NonIdealities
from ..nonideal.perturb import (
    adc_quantize,
    insertion_loss_factors,
    johnson_noise_sigma,
    limit_tuning,
    lognormal_factors,
    saturate_power,
)
from ..physics.chain_kernel import chain_weights
from ..physics.oscillator import oscillator_current, output_power
from ..physics.resonator import lineshape_coefficients
from .network import NetworkSpec, RFNetwork
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer

__all__ = ["ChipInstance", "sample_static", "chip_forward", "chip_resonator_voltages", "chip_oscillator_tones", "CHIP_FORMAT"]

CHIP_FORMAT = "rfspin.chip_instance/1"


def _draw_resonators(layer: ResonatorChainLayer, nonideal: NonIdealities, shape, gen) -> dict[str, Tensor]:
    prog, var, defects = nonideal.programming_error, nonideal.variability, nonideal.defects
    out: dict[str, Tensor] = {}
    if prog.relative_sigma > 0:
        out["frequency_factor"] = 1.0 + prog.relative_sigma * torch.randn(shape, generator=gen)
    if prog.absolute_sigma > 0:
        out["frequency_offset"] = prog.absolute_sigma * torch.randn(shape, generator=gen)
    if var.damping_sigma > 0:
        out["damping_factor"] = lognormal_factors(shape, var.damping_sigma, gen)
    if var.sensitivity_sigma > 0:
        out["sensitivity_factor"] = lognormal_factors(shape, var.sensitivity_sigma, gen)
    if var.mix_sigma > 0:
        out["antisymmetric_offset"] = var.mix_sigma * torch.randn(shape, generator=gen)
        out["symmetric_offset"] = var.mix_sigma * torch.randn(shape, generator=gen)
    if defects.dead_fraction > 0:
        out["alive"] = (torch.rand(shape, generator=gen) >= defects.dead_fraction).float()
    if defects.stuck_fraction > 0:
        out["stuck"] = (torch.rand(shape, generator=gen) < defects.stuck_fraction).float()
    return out


def _draw_oscillators(nonideal: NonIdealities, shape, gen) -> dict[str, Tensor]:
    var, defects = nonideal.variability, nonideal.defects
    out: dict[str, Tensor] = {}
    for key, sigma in (
        ("threshold_factor", var.threshold_current_sigma),
        ("nonlinear_damping_factor", var.nonlinear_damping_sigma),
        ("frequency_factor", var.oscillator_frequency_sigma),
        ("power_factor", var.oscillator_power_sigma),
    ):
        if sigma > 0:
            out[key] = lognormal_factors(shape, sigma, gen)
    if defects.dead_fraction > 0:
        out["alive"] = (torch.rand(shape, generator=gen) >= defects.dead_fraction).float()
    return out


def sample_static(
    model: RFNetwork, nonideal: NonIdealities, n_chips: int, generator: torch.Generator | None
) -> dict[str, Tensor]:
    """Static non-idealities of ``n_chips`` chips: {"LAYER.NAME": (C, ...) tensor}.

    Only effects with a non-zero spread are drawn (a missing entry means "as designed"); the draws
    follow the layer order, so (model, nonideal, n_chips, generator seed) fixes every chip.
    """
    if n_chips < 1:
        raise RfspinError(f"n_chips = {n_chips!r}: must be >= 1")
    static: dict[str, Tensor] = {}
    for index, layer in enumerate(model.layers):
        if isinstance(layer, ResonatorChainLayer):
            draws = _draw_resonators(layer, nonideal, (n_chips, *layer.detuning.shape), generator)
        else:
            draws = _draw_oscillators(nonideal, (n_chips, layer.n_neurons), generator)
        static.update({f"{index}.{name}": t for name, t in draws.items()})
    return static


def _get(static: dict, index: int, name: str, default):
    return static.get(f"{index}.{name}", default)


def _chip_resonance_frequencies(layer, static, index, nonideal) -> Tensor:
    tuning, temp = nonideal.tuning, nonideal.temperature
    f = limit_tuning(layer.resonance_frequencies(), layer.anchor_frequencies, tuning.tuning_range, tuning.resolution)
    stuck = _get(static, index, "stuck", None)
    if stuck is not None:
        f = torch.lerp(f, layer.anchor_frequencies.expand_as(f), stuck)
    f = f * _get(static, index, "frequency_factor", 1.0) + _get(static, index, "frequency_offset", 0.0)
    f = f * temp.factor(temp.resonance_frequency_coefficient)
    return torch.clamp(f, min=1.0)  # a write error cannot make a resonance frequency negative


def chip_resonator_voltages(layer, static, index, nonideal, tone_freqs, powers, n_chips, generator) -> Tensor:
    """(C, B, J) chain voltages of one resonator layer of C chips [V]."""
    temp = nonideal.temperature
    f = _chip_resonance_frequencies(layer, static, index, nonideal)
    n_res = layer.detuning.shape[1]
    sensitivity = (
        layer.sensitivity
        * _get(static, index, "sensitivity_factor", 1.0)
        * _get(static, index, "alive", 1.0)
        * (temp.factor(temp.sensitivity_coefficient)
           * insertion_loss_factors(n_res, nonideal.insertion_loss.loss_per_device, layer.sensitivity.dtype))
    )
    damping = layer.damping * _get(static, index, "damping_factor", 1.0)
    a_anti = layer.antisymmetric_weight + _get(static, index, "antisymmetric_offset", 0.0)
    a_sym = layer.symmetric_weight + _get(static, index, "symmetric_offset", 0.0)
    shape = (n_chips, *layer.detuning.shape)
    f = f.expand(shape)
    delta, a, b = lineshape_coefficients(f, sensitivity, damping, a_anti, a_sym, layer.signs)
    w = chain_weights(tone_freqs, f, delta.expand(shape), a.expand(shape), b.expand(shape))  # (C, J, I)
    p = saturate_power(powers, nonideal.saturation.saturation_power)
    v = torch.matmul(p, w.transpose(-1, -2)) + layer.bias_voltage()
    noise = nonideal.voltage_noise
    sigma = math.hypot(
        johnson_noise_sigma(temp.temperature, n_res * layer.resonator.resistance, noise.bandwidth), noise.extra_sigma
    )
    if sigma > 0:
        v = v + sigma * torch.randn(v.shape, generator=generator, dtype=v.dtype)
    return v


def chip_oscillator_tones(layer: OscillatorLayer, static, index, nonideal, voltage, generator):
    """(frequencies (C, N) [Hz], powers (C, B, N) [W]) emitted by C chips' oscillators."""
    if bool((layer.nonlinear_frequency_shift != 0).any()):
        raise RfspinError("chip instances need nonlinear_frequency_shift = 0 (per-sample tone frequencies "
                         "of C chips would not fit in memory)")
    temp, noise = nonideal.temperature, nonideal.oscillator_noise
    current = oscillator_current(voltage, layer.transconductance, layer.bias_voltage,
                                 layer.max_current_ratio * layer.threshold_current)
    threshold = (layer.threshold_current * _get(static, index, "threshold_factor", 1.0)
                 * temp.factor(temp.threshold_current_coefficient)).unsqueeze(-2)
    q = (layer.nonlinear_damping * _get(static, index, "nonlinear_damping_factor", 1.0)).unsqueeze(-2)
    prefactor = layer.power_prefactor * _get(static, index, "power_factor", 1.0) * _get(static, index, "alive", 1.0)
    power = output_power(current, threshold, q, layer.resistance, layer.magnetoresistance_ratio,
                         layer.spin_polarization, prefactor.unsqueeze(-2) if prefactor.dim() > 1 else prefactor)
    if noise.power_sigma > 0:
        power = power * lognormal_factors(power.shape, noise.power_sigma, generator, power.dtype)
    n_chips = voltage.shape[0]
    # vortex STNOs shift with M_s(T) like the resonators: same coefficient as f_r
    freqs = (layer.frequencies * _get(static, index, "frequency_factor", 1.0)
             * temp.factor(temp.resonance_frequency_coefficient)).expand(n_chips, layer.n_neurons)
    if noise.frequency_sigma > 0:
        freqs = freqs + noise.frequency_sigma * torch.randn(freqs.shape, generator=generator, dtype=freqs.dtype)
    return freqs, power


def chip_forward(
    model: RFNetwork,
    static: dict[str, Tensor],
    nonideal: NonIdealities,
    inputs: Tensor,
    *,
    n_chips: int,
    generator: torch.Generator | None = None,
    twin_gradient: bool = False,
) -> Tensor:
    """Output voltages (C, B, n_out) [V] of C chips for normalised inputs (B, I).

    ``generator`` draws the noise of this forward. ``twin_gradient``: the authors' variant of
    hardware-aware training, value of the non-ideal chip, gradient of the ideal twin.
    """
    x: Tensor = (inputs * model.input_power).expand(n_chips, *inputs.shape)
    freqs: Tensor = model.resonator_layers[0].tone_frequencies
    for index, layer in enumerate(model.layers):
        if isinstance(layer, ResonatorChainLayer):
            x = chip_resonator_voltages(layer, static, index, nonideal, freqs, x, n_chips, generator)
        else:
            freqs, x = chip_oscillator_tones(layer, static, index, nonideal, x, generator)
    adc = nonideal.adc
    out = adc_quantize(x, adc.bits, adc.full_scale)
    if twin_gradient:
        ideal = model.forward_powers(inputs * model.input_power)
        out = ideal + (out - ideal).detach()
    return out


class ChipInstance(nn.Module):
    """One chip: ``network`` (the ideal twin) + its static sample; noise drawn on each forward."""

    def __init__(self, network: RFNetwork, nonideal: NonIdealities, static: dict[str, Tensor], noise_seed: int):
        super().__init__()
        self.network = network
        self.nonideal = nonideal
        self.static = {k: v.detach().clone() for k, v in static.items()}
        bad = [k for k, v in self.static.items() if v.shape[0] != 1]
        if bad:
            raise RfspinError(f"a ChipInstance holds one chip; static sample {bad[0]!r} has {self.static[bad[0]].shape[0]}")
        self.noise_seed = int(noise_seed)
        self.noise_generator = torch.Generator().manual_seed(self.noise_seed)

    @classmethod
    def sample(cls, network: RFNetwork, nonideal: NonIdealities, generator: torch.Generator) -> "ChipInstance":
        """Draw one chip; the same generator state gives the same chip (static and noise stream)."""
        static = sample_static(network, nonideal, 1, generator)
        noise_seed = int(torch.randint(0, 2**62, (1,), generator=generator).item())
        return cls(network, nonideal, static, noise_seed)

    def forward(self, inputs: Tensor) -> Tensor:
        """Measured output voltages (B, n_out) [V]; noise resampled on every call."""
        return chip_forward(self.network, self.static, self.nonideal, inputs, n_chips=1,
                            generator=self.noise_generator)[0]

    def logits(self, inputs: Tensor) -> Tensor:
        return self(inputs) / self.network.readout_scale

    def resonance_frequencies(self) -> list[Tensor]:
        """The chip's actual f_r (J, K) per resonator layer [Hz] (static effects only)."""
        with torch.no_grad():
            return [_chip_resonance_frequencies(layer, self.static, i, self.nonideal).reshape(-1, *layer.detuning.shape)[0]
                    for i, layer in enumerate(self.network.layers) if isinstance(layer, ResonatorChainLayer)]

    def record(self) -> dict:
        return {
            "format": CHIP_FORMAT,
            "network": {"spec": self.network.spec.to_dict(), "state": self.network.state_dict()},
            "nonideal": describe(self.nonideal),
            "static": self.static,
            "noise_seed": self.noise_seed,
        }

    @classmethod
    def from_record(cls, record: dict) -> "ChipInstance":
        if record.get("format") != CHIP_FORMAT:
            raise RfspinError(f"chip record format {record.get('format')!r}: expected {CHIP_FORMAT!r}")
        network = RFNetwork(NetworkSpec.from_dict(record["network"]["spec"]))
        network.load_state_dict(record["network"]["state"])
        return cls(network, from_description(record["nonideal"]), record["static"], record["noise_seed"])

    def save(self, path) -> None:
        """Write the chip (network, configuration, static sample) atomically."""
        buf = io.BytesIO()
        torch.save(self.record(), buf)
        atomic_write(path, lambda f: f.write(buf.getvalue()))

    @classmethod
    def load(cls, path) -> "ChipInstance":
        return cls.from_record(torch.load(path, map_location="cpu", weights_only=True))
