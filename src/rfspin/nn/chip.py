"""Chip instances: a trained RF network plus a seeded sample of its static non-idealities.

A chip is what a fab returns for a network program: every device is written with error, differs
from its neighbours, sits at some temperature, some are dead. :class:`ChipInstance` holds the
network (ideal twin) and the *static* sample (:class:`~rfspin.nn.chip_static.StaticSample`,
drawn once, saved with the chip); every forward resamples the *noise* (rectified-voltage noise,
oscillator power/frequency fluctuations) with the chip's own noise generator. Models and
sources: :mod:`rfspin.nonideal.models`.

Use (the hidden-chip simulator backend of chip-in-the-loop training builds on this)::

    chip = ChipInstance.sample(model, nonideal, generator=torch.Generator().manual_seed(7))
    volts = chip(x)                   # (B, n_out) measured output voltages [V]; x (B, I) in [0, 1]
    chip.save("chip.pt"); same = ChipInstance.load("chip.pt")   # identical static sample

C chips are evaluated at once (leading chip dimension, no Python loop over chips):
:func:`sample_static` draws (C, ...) tensors and :func:`chip_forward` returns (C, B, n_out). The
walk is :mod:`rfspin.nn.engine`'s with :class:`ChipHooks`; it is differentiable in the
network's parameters (hardware-aware training).

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

from ..device import random_normal
from ..errors import RfspinError, RfspinTypeError
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
from .chip_static import OscillatorStatic, ResonatorStatic, StaticSample, sample_static
from .engine import ChainSite, LayerHooks, chain_sites, run_layers
from .network import NetworkSpec, RFNetwork
from .oscillator_layer import OscillatorLayer
from .resonator_layer import ResonatorChainLayer
from .tones import Tones

__all__ = ["ChipInstance", "ChipHooks", "sample_static", "chip_forward", "chip_resonance_frequencies", "CHIP_FORMAT"]

CHIP_FORMAT = "rfspin.chip_instance/2"
_LEGACY_CHIP_FORMAT = "rfspin.chip_instance/1"  # static sample as {"LAYER.NAME": tensor}


def _on(value: Tensor | None, default, like: Tensor):
    return default if value is None else value.to(like.device)


def chip_resonance_frequencies(layer: ResonatorChainLayer, static: ResonatorStatic, nonideal: NonIdealities) -> Tensor:
    """The chips' actual f_r (C, J, K) [Hz] of one chain layer (static effects only)."""
    tuning, temp = nonideal.tuning, nonideal.temperature
    f = limit_tuning(layer.resonance_frequencies(), layer.anchor_frequencies, tuning.tuning_range, tuning.resolution)
    if static.stuck is not None:
        f = torch.lerp(f, layer.anchor_frequencies.expand_as(f), static.stuck.to(f.device))
    f = f * _on(static.frequency_factor, 1.0, f) + _on(static.frequency_offset, 0.0, f)
    f = f * temp.factor(temp.resonance_frequency_coefficient)
    return torch.clamp(f, min=1.0)  # a write error cannot make a resonance frequency negative


class ChipHooks(LayerHooks):
    """The engine hooks of C chips: their static sample, noise from ``generator``, the ADC.

    ``record_hidden``: keep the (C, B, J) voltages read on every hidden chain layer in
    ``hidden_voltages`` (what a chip with probes on its hidden chains measures).
    """

    def __init__(self, static: StaticSample, nonideal: NonIdealities, generator: torch.Generator | None = None,
                 *, record_hidden: bool = False) -> None:
        self.static, self.nonideal, self.generator = static, nonideal, generator
        self.n_chips = static.n_chips
        self.hidden_voltages: list[Tensor] | None = [] if record_hidden else None

    def tone_powers(self, site: ChainSite, powers: Tensor) -> Tensor:
        return saturate_power(powers, self.nonideal.saturation.saturation_power)

    def resonator_weights(self, site: ChainSite, tone_frequencies: Tensor | None) -> Tensor:
        layer, static, temp = site.chains, self.static.layers[site.index], self.nonideal.temperature
        f = chip_resonance_frequencies(layer, static, self.nonideal)
        n_res = layer.detuning.shape[1]
        sens = layer.sensitivity
        sensitivity = (
            sens * _on(static.sensitivity_factor, 1.0, sens) * _on(static.alive, 1.0, sens)
            * (temp.factor(temp.sensitivity_coefficient)
               * insertion_loss_factors(n_res, self.nonideal.insertion_loss.loss_per_device, sens.dtype, sens.device))
        )
        damping = layer.damping * _on(static.damping_factor, 1.0, sens)
        a_anti = layer.antisymmetric_weight + _on(static.antisymmetric_offset, 0.0, sens)
        a_sym = layer.symmetric_weight + _on(static.symmetric_offset, 0.0, sens)
        shape = (self.n_chips, *layer.detuning.shape)
        f = f.expand(shape)
        delta, a, b = lineshape_coefficients(f, sensitivity, damping, a_anti, a_sym, layer.signs)
        tones = layer.tone_frequencies if tone_frequencies is None else tone_frequencies
        return self.build_weights(layer, tones, f, delta.expand(shape), a.expand(shape), b.expand(shape))

    def build_weights(self, layer: ResonatorChainLayer, tones: Tensor, resonance_frequencies: Tensor,
                      half_linewidths: Tensor, coeff_a: Tensor, coeff_b: Tensor) -> Tensor:
        """W (C, J, I) [V/W] from the chips' lineshape coefficients (subclasses may use another kernel)."""
        return chain_weights(tones, resonance_frequencies, half_linewidths, coeff_a, coeff_b, **layer.kernel_options())

    def chain_readout(self, site: ChainSite, voltages: Tensor) -> Tensor:
        noise, temp = self.nonideal.voltage_noise, self.nonideal.temperature
        resistance = site.chains.detuning.shape[1] * site.chains.resonator.resistance
        sigma = math.hypot(johnson_noise_sigma(temp.temperature, resistance, noise.bandwidth), noise.extra_sigma)
        if sigma > 0:
            voltages = voltages + sigma * random_normal(voltages.shape, self.generator, dtype=voltages.dtype,
                                                        device=voltages.device)
        if site.is_output:  # the one place the ADC is applied
            adc = self.nonideal.adc
            voltages = adc_quantize(voltages, adc.bits, adc.full_scale)
        return voltages

    def record(self, site: ChainSite, powers, tone_frequencies, voltages: Tensor) -> None:
        if self.hidden_voltages is not None and not site.is_output:
            self.hidden_voltages.append(voltages)

    def oscillator_tones(self, index: int, layer: OscillatorLayer, voltages: Tensor) -> Tones:
        """(frequencies (C, N) [Hz], powers (C, B, N) [W]) emitted by C chips' oscillators."""
        if layer.has_frequency_shift():
            raise RfspinError("chip instances need nonlinear_frequency_shift = 0 (per-sample tone frequencies "
                              "of C chips would not fit in memory)")
        static: OscillatorStatic = self.static.layers[index]
        temp, noise = self.nonideal.temperature, self.nonideal.oscillator_noise
        ref = layer.threshold_current
        current = oscillator_current(voltages, layer.transconductance, layer.bias_voltage,
                                     layer.max_current_ratio * layer.threshold_current)
        threshold = (ref * _on(static.threshold_factor, 1.0, ref)
                     * temp.factor(temp.threshold_current_coefficient)).unsqueeze(-2)
        q = (layer.nonlinear_damping * _on(static.nonlinear_damping_factor, 1.0, ref)).unsqueeze(-2)
        prefactor = layer.power_prefactor * _on(static.power_factor, 1.0, ref) * _on(static.alive, 1.0, ref)
        power = output_power(current, threshold, q, layer.resistance, layer.magnetoresistance_ratio,
                             layer.spin_polarization, prefactor.unsqueeze(-2) if prefactor.dim() > 1 else prefactor)
        if noise.power_sigma > 0:
            power = power * lognormal_factors(power.shape, noise.power_sigma, self.generator, power.dtype, power.device)
        # vortex STNOs shift with M_s(T) like the resonators: same coefficient as f_r
        freqs = (layer.frequencies * _on(static.frequency_factor, 1.0, ref)
                 * temp.factor(temp.resonance_frequency_coefficient)).expand(self.n_chips, layer.n_neurons)
        if noise.frequency_sigma > 0:
            freqs = freqs + noise.frequency_sigma * random_normal(freqs.shape, self.generator, dtype=freqs.dtype,
                                                                  device=freqs.device)
        return Tones(freqs, power)


def chip_forward(
    model: RFNetwork,
    static: StaticSample,
    nonideal: NonIdealities,
    inputs: Tensor,
    *,
    n_chips: int | None = None,
    generator: torch.Generator | None = None,
    twin_gradient: bool = False,
) -> Tensor:
    """Output voltages (C, B, n_out) [V] of the C = ``static.n_chips`` chips for normalised inputs (B, I).

    ``inputs`` are not checked here (callers validate once per batch, e.g. :class:`ChipInstance`).
    ``generator`` draws the noise of this forward. ``twin_gradient``: the authors' variant of
    hardware-aware training, value of the non-ideal chip, gradient of the ideal twin.
    """
    if n_chips is not None and n_chips != static.n_chips:
        raise RfspinError(f"n_chips = {n_chips!r}, but the static sample holds {static.n_chips} chips")
    powers = inputs.to(model.dtype) * model.input_power
    out = run_layers(model.layers, powers.expand(static.n_chips, *powers.shape), ChipHooks(static, nonideal, generator))
    if twin_gradient:
        ideal = model.forward_powers(powers)
        out = ideal + (out - ideal).detach()
    return out


class ChipInstance(nn.Module):
    """One chip: ``network`` (the ideal twin) + its static sample; noise drawn on each forward."""

    def __init__(self, network: RFNetwork, nonideal: NonIdealities, static: StaticSample, noise_seed: int):
        super().__init__()
        if not isinstance(network, RFNetwork):
            raise RfspinTypeError(f"a chip instance needs a dense RFNetwork, got {type(network).__name__}")
        self.network = network
        self.nonideal = nonideal
        if not isinstance(static, StaticSample):
            raise RfspinError(f"static: expected a StaticSample, got {type(static).__name__}")
        if static.n_chips != 1:
            raise RfspinError(f"a ChipInstance holds one chip; the static sample has {static.n_chips}")
        self.static = static.detached()
        self.noise_seed = int(noise_seed)
        # on the CPU whatever device computes: a saved chip measures the same on any device
        self.noise_generator = torch.Generator().manual_seed(self.noise_seed)

    @classmethod
    def sample(cls, network: RFNetwork, nonideal: NonIdealities, generator: torch.Generator) -> "ChipInstance":
        """Draw one chip; the same generator state gives the same chip (static and noise stream)."""
        static = sample_static(network, nonideal, 1, generator)
        noise_seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device).item())
        return cls(network, nonideal, static, noise_seed)

    def forward(self, inputs: Tensor) -> Tensor:
        """Measured output voltages (B, n_out) [V]; noise resampled on every call."""
        x = self.network.normalised_inputs(inputs, "chip inputs (normalised powers)")
        return chip_forward(self.network, self.static, self.nonideal, x, generator=self.noise_generator)[0]

    def logits(self, inputs: Tensor) -> Tensor:
        return self(inputs) / self.network.readout_scale

    def project_(self) -> None:
        self.network.project_()

    def resonance_frequencies(self) -> list[Tensor]:
        """The chip's actual f_r (J, K) per resonator layer [Hz] (static effects only)."""
        with torch.no_grad():
            return [chip_resonance_frequencies(site.chains, self.static.layers[index], self.nonideal)
                    .reshape(-1, *site.chains.detuning.shape)[0]
                    for index, site in chain_sites(self.network.layers).items()]

    def record(self) -> dict:
        return {
            "format": CHIP_FORMAT,
            "network": {"spec": self.network.spec.to_dict(), "state": self.network.state_dict()},
            "nonideal": describe(self.nonideal),
            "static": self.static.to_record(),
            "noise_seed": self.noise_seed,
        }

    @classmethod
    def from_record(cls, record: dict) -> "ChipInstance":
        """Rebuild a chip from :meth:`record` (this version or version 1's string-keyed static sample)."""
        if record.get("format") not in (CHIP_FORMAT, _LEGACY_CHIP_FORMAT):
            raise RfspinError(f"chip record format {record.get('format')!r}: expected {CHIP_FORMAT!r}")
        network = RFNetwork(NetworkSpec.from_dict(record["network"]["spec"]))
        network.load_state_dict(record["network"]["state"])
        static = StaticSample.from_record(record["static"], network.layers)
        return cls(network, from_description(record["nonideal"]), static, record["noise_seed"])

    def save(self, path) -> None:
        """Write the chip (network, configuration, static sample) atomically."""
        buf = io.BytesIO()
        torch.save(self.record(), buf)
        atomic_write(path, lambda f: f.write(buf.getvalue()))

    @classmethod
    def load(cls, path, *, device: torch.device | str | None = None) -> "ChipInstance":
        """Load a saved chip (``map_location`` = ``device``, default the CPU)."""
        record = torch.load(path, map_location=device or "cpu", weights_only=True)
        chip = cls.from_record(record)
        return chip if device is None else chip.to(device)

