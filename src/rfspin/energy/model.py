"""Energy, latency and area per inference from layer counts and a technology preset.

Every energy term is a power times the time it flows (SI units), linear in the counts:

    input_generation  n_in x evals x R I^2 x (t_osc + t_res[first chains])    input emitters (STNOs)
    neuron_dc         n_osc x evals x R I^2 x (t_osc + t_read[next chains])   hidden oscillators
    synapse_rf        synaptic_ops x P_syn x t_res                            RF absorbed in chains
    amplification     synapse_rf x (1/eta - 1)                                amplifier overhead
    conversion        n_chains x evals x E_conv     (chains feeding oscillators, V -> I)
    readout           n_chains x evals x FoM x 2^bits (output chains, one ADC sample each)

Times from the device physics: resonator response t_res = n_tau / (2 pi Delta), Delta = alpha f_r
(Lorentzian of half width Delta); oscillator amplitude relaxation t_osc = n_tau / Gamma_p with
Gamma_p = Gamma_G (zeta - 1) (:func:`rfspin.physics.oscillator.amplitude_relaxation_rate`); readout
1 / f_sample. An oscillator emits while it settles and while the next chains are read
(t_read = their evaluations x t_res; input tone slots: one evaluation each). Latency
per layer = evaluations x its settle time (layers in sequence); area = devices x pitch^2 +
chains x periphery area.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch

from ..errors import RfspinError
from ..nn.counts import LayerCounts
from ..physics.oscillator import amplitude_relaxation_rate
from ..physics.resonator import half_linewidth
from .counting import (
    CountTotals,
    NetworkCounts,
    as_network_counts,
    count_totals,
    input_tone_slots,
)
from .presets import TechnologyPreset, preset_assumptions

__all__ = ["TERMS", "TERM_DESCRIPTIONS", "EnergyEstimate", "estimate_energy", "resonator_settle_time",
           "oscillator_settle_time"]

TERM_DESCRIPTIONS: dict[str, str] = {
    "input_generation": "input RF tones: emitter oscillators' DC power R I^2 while on",
    "neuron_dc": "hidden oscillators' DC power R I^2 while on",
    "synapse_rf": "RF power absorbed by the resonators while their chains are read",
    "amplification": "overhead of the amplifiers restoring chain RF power (1/eta - 1)",
    "conversion": "chain voltage -> oscillator current conversion between layers",
    "readout": "output ADC samples (Walden FoM x 2^bits)",
}
TERMS: tuple[str, ...] = tuple(TERM_DESCRIPTIONS)


def resonator_settle_time(preset: TechnologyPreset) -> float:
    """t_res = n_tau / (2 pi Delta), Delta = alpha f_r: response time of a resonator [s]."""
    delta = float(half_linewidth(torch.tensor(preset.resonance_frequency, dtype=torch.float64),
                                 preset.resonator_damping))
    return preset.settle_time_constants / (2.0 * math.pi * delta)


def oscillator_settle_time(preset: TechnologyPreset) -> float:
    """t_osc = n_tau / (Gamma_G (zeta - 1)), zeta = I / I_th: amplitude relaxation of an STNO [s]."""
    zeta = torch.tensor(preset.oscillator_current / preset.oscillator_threshold_current, dtype=torch.float64)
    rate = float(amplitude_relaxation_rate(zeta, preset.oscillator_relaxation_rate))
    return preset.settle_time_constants / rate


@dataclass
class EnergyEstimate:
    """Result of :func:`estimate_energy`; ``to_dict`` is the energy.json content."""

    preset: TechnologyPreset
    disabled: tuple[str, ...]
    layers: list[dict]
    totals: CountTotals
    terms_j: dict[str, float]
    energy_per_inference_j: float
    latency_s: float
    area_m2: float
    derivation: list[str] = field(default_factory=list)

    @property
    def throughput_per_s(self) -> float:
        """Inferences per second, one at a time (no pipelining)."""
        return 1.0 / self.latency_s

    @property
    def pipelined_throughput_per_s(self) -> float:
        """Inferences per second when every layer works on a different input (slowest stage)."""
        return 1.0 / max(layer["latency_s"] for layer in self.layers)

    @property
    def average_power_w(self) -> float:
        return self.energy_per_inference_j / self.latency_s

    def per_op(self) -> dict[str, float]:
        """Energy per synaptic op (RF + amplification) and per neuron op (emitters + neurons) [J]."""
        t = self.totals
        syn = self.terms_j["synapse_rf"] + self.terms_j["amplification"]
        neu = self.terms_j["input_generation"] + self.terms_j["neuron_dc"]
        return {"energy_per_synaptic_op_j": syn / t.synaptic_ops if t.synaptic_ops else 0.0,
                "energy_per_neuron_op_j": neu / t.neuron_ops if t.neuron_ops else 0.0}

    def assumptions(self) -> list[dict]:
        rows = preset_assumptions(self.preset)
        term_rows = [{"name": f"term:{name}", "value": float(name not in self.disabled), "unit": "on/off",
                      "source": TERM_DESCRIPTIONS[name]} for name in TERMS]
        return rows + term_rows

    def to_dict(self) -> dict:
        return {
            "preset": self.preset.name,
            "preset_description": self.preset.description,
            "disabled_terms": list(self.disabled),
            "energy_per_inference_j": self.energy_per_inference_j,
            "latency_s": self.latency_s,
            "throughput_per_s": self.throughput_per_s,
            "pipelined_throughput_per_s": self.pipelined_throughput_per_s,
            "average_power_w": self.average_power_w,
            "area_m2": self.area_m2,
            "terms_j": dict(self.terms_j),
            **self.per_op(),
            "counts": self.totals.to_dict(),
            "layers": self.layers,
            "assumptions": self.assumptions(),
            "derivation": list(self.derivation),
        }


def _fmt(x: float, unit: str) -> str:
    return f"{x:.4g} {unit}"


def estimate_energy(
    counts: NetworkCounts | list[LayerCounts] | tuple[LayerCounts, ...],
    preset: TechnologyPreset,
    *,
    disabled: tuple[str, ...] | list[str] = (),
) -> EnergyEstimate:
    """Energy, latency and area per inference of a network given its layers' counts (forward order).

    ``counts``: :class:`NetworkCounts` (or a plain list: the first layer's tones are the inputs).
    ``disabled``: names from TERMS whose energy is set to 0 (their assumptions stay listed).
    A layer with chains (n_chains > 0) is read ``evaluations`` times; a layer with oscillators
    drives the next chain layer. Chains followed by oscillators pay a conversion, the last
    chains a readout.
    """
    net = as_network_counts(counts)
    layers = list(net.layers)
    disabled = tuple(dict.fromkeys(disabled))
    bad = [t for t in disabled if t not in TERMS]
    if bad:
        raise RfspinError(f"unknown energy term(s) {bad}: choose from {list(TERMS)}")
    totals = count_totals(net)
    on = {t: float(t not in disabled) for t in TERMS}
    t_res, t_osc = resonator_settle_time(preset), oscillator_settle_time(preset)
    t_adc = 1.0 / preset.adc_sample_rate
    p_osc = preset.oscillator_resistance * preset.oscillator_current**2
    e_adc = preset.adc_figure_of_merit * 2 ** int(preset.adc_bits)
    amp_factor = 1.0 / preset.amplifier_efficiency - 1.0
    deriv = [
        f"preset {preset.name}: {preset.description}",
        f"t_res = {preset.settle_time_constants:g} / (2 pi alpha f_r) = {preset.settle_time_constants:g} / "
        f"(2 pi x {preset.resonator_damping:g} x {_fmt(preset.resonance_frequency, 'Hz')}) = {_fmt(t_res, 's')}",
        f"t_osc = {preset.settle_time_constants:g} / (Gamma_G (zeta - 1)) = {preset.settle_time_constants:g} / "
        f"({_fmt(preset.oscillator_relaxation_rate, '1/s')} x "
        f"{preset.oscillator_current / preset.oscillator_threshold_current - 1:.4g}) = {_fmt(t_osc, 's')}",
        f"P_osc = R I^2 = {_fmt(preset.oscillator_resistance, 'ohm')} x ({_fmt(preset.oscillator_current, 'A')})^2 "
        f"= {_fmt(p_osc, 'W')};  E_adc = FoM x 2^bits = {_fmt(e_adc, 'J')};  1/eta - 1 = {amp_factor:.4g}",
    ]

    def chain_time_after(index: int) -> float:
        """Time the chain layer after ``index`` reads its tones: evaluations x t_res (0 if none).

        An oscillator keeps emitting through the whole read of the next layer (a time-sequential
        sweep over positions is not power-gated per position: an upper bound)."""
        nxt = layers[index + 1:index + 2]
        return nxt[0].evaluations * t_res if nxt and nxt[0].n_chains > 0 else 0.0

    entries: list[dict] = []
    first = layers[0]
    t_on_in = t_osc + (t_res if first.n_chains > 0 else 0.0)
    slots = input_tone_slots(net)
    e_in = on["input_generation"] * slots * p_osc * t_on_in
    entries.append(_entry(-1, "input_tones", {"n_oscillators": net.n_input_tones, "tone_slots": slots,
                                              "evaluations": first.evaluations},
                          {"input_generation": e_in}, first.evaluations * t_osc,
                          net.n_input_tones * preset.oscillator_pitch**2))
    deriv.append(f"input_generation = {slots} tone slots ({net.n_input_tones} input tones; first layer "
                 f"{first.n_inputs} tones x {first.evaluations} evals) x {_fmt(p_osc, 'W')} x "
                 f"{_fmt(t_on_in, 's')} = {_fmt(e_in, 'J')}")
    for i, c in enumerate(layers):
        terms = {t: 0.0 for t in TERMS if t != "input_generation"}
        latency, area = 0.0, 0.0
        if c.n_chains > 0:
            terms["synapse_rf"] = on["synapse_rf"] * c.synaptic_ops * preset.rf_power_per_synapse * t_res
            terms["amplification"] = on["amplification"] * amp_factor * c.synaptic_ops * preset.rf_power_per_synapse * t_res
            feeds_oscillators = c.n_oscillators > 0 or any(n.n_oscillators > 0 for n in layers[i + 1:i + 2])
            is_last = i == len(layers) - 1
            latency += c.evaluations * t_res
            if feeds_oscillators:
                terms["conversion"] = on["conversion"] * c.n_chains * c.evaluations * preset.conversion_energy
            elif is_last:
                terms["readout"] = on["readout"] * c.n_chains * c.evaluations * e_adc
                latency += c.evaluations * t_adc
            area += c.n_resonators * preset.resonator_pitch**2 + c.n_chains * preset.chain_periphery_area
            deriv.append(
                f"layer {i} ({c.kind}): synapse_rf = {c.synaptic_ops} ops x {_fmt(preset.rf_power_per_synapse, 'W')} x "
                f"{_fmt(t_res, 's')} = {_fmt(terms['synapse_rf'], 'J')}; amplification = {amp_factor:.4g} x that = "
                f"{_fmt(terms['amplification'], 'J')}; "
                + (f"conversion = {c.n_chains * c.evaluations} x {_fmt(preset.conversion_energy, 'J')} = "
                   f"{_fmt(terms['conversion'], 'J')}" if feeds_oscillators else
                   f"readout = {c.n_chains * c.evaluations} samples x {_fmt(e_adc, 'J')} = {_fmt(terms['readout'], 'J')}"
                   if is_last else "no conversion/readout")
            )
        if c.n_oscillators > 0:
            t_on = t_osc + chain_time_after(i)
            terms["neuron_dc"] = on["neuron_dc"] * c.n_oscillators * c.evaluations * p_osc * t_on
            latency += c.evaluations * t_osc
            area += c.n_oscillators * preset.oscillator_pitch**2
            deriv.append(f"layer {i} ({c.kind}): neuron_dc = {c.n_oscillators} x {c.evaluations} evals x "
                         f"{_fmt(p_osc, 'W')} x {_fmt(t_on, 's')} = {_fmt(terms['neuron_dc'], 'J')}")
        entries.append(_entry(i, c.kind, asdict(c), terms, latency, area))

    terms_j = {t: sum(e["energy_j"].get(t, 0.0) for e in entries) for t in TERMS}
    energy = sum(terms_j.values())
    latency = sum(e["latency_s"] for e in entries)
    area = sum(e["area_m2"] for e in entries)
    for name in TERMS:
        if name in disabled:
            deriv.append(f"{name}: switched off")
    deriv.append("total = " + " + ".join(f"{_fmt(terms_j[t], 'J')} ({t})" for t in TERMS) + f" = {_fmt(energy, 'J')}")
    if latency <= 0:
        raise RfspinError("estimated latency is 0: the network has no chains or oscillators")
    return EnergyEstimate(preset, disabled, entries, totals, terms_j, energy, latency, area, deriv)


def _entry(index: int, kind: str, counts: dict, terms: dict, latency: float, area: float) -> dict:
    return {"index": index, "kind": kind, "counts": counts, "energy_j": dict(terms),
            "total_energy_j": float(sum(terms.values())), "latency_s": latency, "area_m2": area}
