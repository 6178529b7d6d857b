"""Energy model: exact counts, linearity, units, assumptions, switchable terms, presets, platforms."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from rfspin import build_rf_network
from rfspin.energy import (
    LECTURE_CNN_COUNTS,
    PER_OP_20NM,
    PRESETS,
    ROSS2023_VORTEX,
    SPINTRONIC_20NM,
    TERMS,
    architecture_counts,
    count_totals,
    estimate_energy,
    load_platforms,
    model_layer_counts,
    oscillator_settle_time,
    parse_architecture,
    preset_for,
    resonator_settle_time,
)
from rfspin.energy.presets import FIELD_UNITS
from rfspin.nn.counts import LayerCounts


def _scaled(counts: LayerCounts, k: int) -> LayerCounts:
    return replace(counts, n_resonators=counts.n_resonators * k, n_chains=counts.n_chains * k,
                   n_oscillators=counts.n_oscillators * k, n_inputs=counts.n_inputs * k,
                   synaptic_ops=counts.synaptic_ops * k, macs=counts.macs * k)


@pytest.mark.parametrize("arch, neurons, synapses, chains", [
    ("784-300-10", 1084, 238_200, 310),
    ("256-128-10", 384, 34_048, 138),
    ("64-10", 64, 640, 10),
])
def test_counts_exact_and_match_network(arch, neurons, synapses, chains):
    counts = architecture_counts(arch)
    assert counts.n_input_tones == parse_architecture(arch)[0]
    t = count_totals(counts)
    assert (t.n_neurons, t.n_synapses, t.synaptic_ops, t.macs, t.n_chains) == (neurons, synapses, synapses, synapses, chains)
    net = build_rf_network(parse_architecture(arch))
    assert (net.n_neurons, net.n_synapses) == (t.n_neurons, t.n_synapses)
    assert t.footprint_devices == synapses + neurons


def test_lecture_cnn_counts():
    t = count_totals(LECTURE_CNN_COUNTS)
    assert (t.n_neurons, t.n_synapses) == (8576, 6_700_000)


def test_counting_works_for_any_layer_exposing_layer_counts():
    class FakeConv(nn.Module):  # stands for any layer type, e.g. a time-sequential RF convolution
        def layer_counts(self):
            return LayerCounts(kind="rf_conv", n_resonators=9 * 4, n_chains=4, n_inputs=9, evaluations=26 * 26,
                               synaptic_ops=9 * 4 * 26 * 26, macs=9 * 4 * 26 * 26)

    model = nn.Sequential(FakeConv(), nn.Sequential(build_rf_network((16, 3, 2)).layers[0]))
    counts = model_layer_counts(model)
    assert [c.kind for c in counts] == ["rf_conv", "resonator_chains"]
    one = estimate_energy([replace(counts[0], evaluations=1, synaptic_ops=36)], SPINTRONIC_20NM)
    many = estimate_energy(counts[:1], SPINTRONIC_20NM)
    for term in TERMS:  # every term of a layer scales with its evaluations
        assert many.terms_j[term] == pytest.approx(676 * one.terms_j[term], rel=1e-12)
    assert many.latency_s > 600 * one.latency_s
    with pytest.raises(ValueError, match="no layer with layer_counts"):
        model_layer_counts(nn.Linear(2, 2))


@pytest.mark.parametrize("preset", list(PRESETS.values()), ids=list(PRESETS))
def test_energy_linear_in_op_counts(preset):
    base = list(architecture_counts("256-128-10").layers)
    e1 = estimate_energy(base, preset)
    e3 = estimate_energy([_scaled(c, 3) for c in base], preset)
    assert e3.energy_per_inference_j == pytest.approx(3 * e1.energy_per_inference_j, rel=1e-12)
    for term in TERMS:
        assert e3.terms_j[term] == pytest.approx(3 * e1.terms_j[term], rel=1e-12, abs=0)
    assert e3.area_m2 == pytest.approx(3 * e1.area_m2, rel=1e-12)
    assert e3.latency_s == pytest.approx(e1.latency_s, rel=1e-12)  # parallel devices: same latency
    # synapse terms depend on synaptic ops only: adding ops to one layer adds ops x energy per op
    more = [replace(base[0], synaptic_ops=base[0].synaptic_ops + 1000)] + base[1:]
    delta = estimate_energy(more, preset).terms_j["synapse_rf"] - e1.terms_j["synapse_rf"]
    assert delta == pytest.approx(1000 * preset.rf_power_per_synapse * resonator_settle_time(preset), rel=1e-9)


def test_units_analytic_terms():
    p = SPINTRONIC_20NM
    t_res = 3.0 / (2 * math.pi * 0.01 * 5e9)  # s
    t_osc = 3.0 / (p.oscillator_relaxation_rate * (p.oscillator_current / p.oscillator_threshold_current - 1))
    assert resonator_settle_time(p) == pytest.approx(t_res, rel=1e-12)
    assert oscillator_settle_time(p) == pytest.approx(t_osc, rel=1e-12)
    e = estimate_energy(architecture_counts("784-300-10"), p)
    p_osc = p.oscillator_resistance * p.oscillator_current**2  # W = ohm A^2
    assert e.terms_j["synapse_rf"] == pytest.approx(238_200 * p.rf_power_per_synapse * t_res, rel=1e-12)  # W s = J
    assert e.terms_j["amplification"] == pytest.approx(e.terms_j["synapse_rf"] * (1 / p.amplifier_efficiency - 1))
    assert e.terms_j["input_generation"] == pytest.approx(784 * p_osc * (t_osc + t_res), rel=1e-12)
    assert e.terms_j["neuron_dc"] == pytest.approx(300 * p_osc * (t_osc + t_res), rel=1e-12)
    assert e.terms_j["conversion"] == pytest.approx(300 * p.conversion_energy, rel=1e-12)
    assert e.terms_j["readout"] == pytest.approx(10 * p.adc_figure_of_merit * 2**8, rel=1e-12)
    assert e.latency_s == pytest.approx(2 * t_osc + 2 * t_res + 1 / p.adc_sample_rate, rel=1e-12)
    assert e.area_m2 == pytest.approx(238_200 * p.resonator_pitch**2 + 1084 * p.oscillator_pitch**2
                                      + 310 * p.chain_periphery_area, rel=1e-12)
    assert e.average_power_w == pytest.approx(e.energy_per_inference_j / e.latency_s)
    # a 2x faster device (2x f, 2x Gamma_G) halves every time and every power x time term
    fast = replace(p, resonance_frequency=2 * p.resonance_frequency,
                   oscillator_relaxation_rate=2 * p.oscillator_relaxation_rate)
    ef = estimate_energy(architecture_counts("784-300-10"), fast)
    for term in ("synapse_rf", "amplification", "input_generation", "neuron_dc"):
        assert ef.terms_j[term] == pytest.approx(e.terms_j[term] / 2, rel=1e-12)


def test_every_assumption_in_report_and_json():
    e = estimate_energy(architecture_counts("784-300-10"), ROSS2023_VORTEX, disabled=("readout",))
    d = json.loads(json.dumps(e.to_dict(), allow_nan=False))
    names = {a["name"]: a for a in d["assumptions"]}
    for field, unit in FIELD_UNITS.items():
        assert names[field]["unit"] == unit
        assert names[field]["value"] == pytest.approx(float(getattr(ROSS2023_VORTEX, field)))
        assert names[field]["source"]
    for term in TERMS:
        assert names[f"term:{term}"]["value"] == (0.0 if term == "readout" else 1.0)
        assert any(term in line for line in d["derivation"])
    for key in ("energy_per_inference_j", "latency_s", "area_m2", "layers", "assumptions", "derivation", "counts"):
        assert key in d
    assert len(d["layers"]) == 4 and {"energy_j", "latency_s", "area_m2", "counts"} <= set(d["layers"][1])


@pytest.mark.parametrize("arch", ["784-300-10", "lecture-cnn"])
@pytest.mark.parametrize("term", TERMS)
def test_switching_a_term_off_removes_exactly_its_share(arch, term):
    counts = architecture_counts(arch)
    full = estimate_energy(counts, SPINTRONIC_20NM)
    off = estimate_energy(counts, SPINTRONIC_20NM, disabled=(term,))
    assert full.terms_j[term] > 0
    assert off.terms_j[term] == 0.0
    assert full.energy_per_inference_j - off.energy_per_inference_j == pytest.approx(full.terms_j[term], rel=1e-9)
    for other in TERMS:
        if other != term:
            assert off.terms_j[other] == full.terms_j[other]
    assert off.latency_s == full.latency_s and off.area_m2 == full.area_m2


def test_lecture_figures():
    """20 nm preset: 784-300-10 at ~1 nJ (+-30 %); per-op preset: 10 fJ / 100 fJ and the CNN's 68 nJ."""
    mlp = estimate_energy(architecture_counts("784-300-10"), SPINTRONIC_20NM)
    assert 0.7e-9 <= mlp.energy_per_inference_j <= 1.3e-9
    assert 50e-15 <= mlp.per_op()["energy_per_neuron_op_j"] <= 150e-15
    per_op = estimate_energy(architecture_counts("lecture-cnn"), PER_OP_20NM)
    assert per_op.per_op()["energy_per_synaptic_op_j"] == pytest.approx(10e-15, rel=1e-9)
    assert per_op.per_op()["energy_per_neuron_op_j"] == pytest.approx(100e-15, rel=1e-9)
    assert 0.7 * 68e-9 <= per_op.energy_per_inference_j <= 1.3 * 68e-9


def test_no_positive_per_op_energies_fit_both_lecture_figures():
    # E = s * synapses + n * neurons for (MLP, CNN) = (1 nJ, 68 nJ): the solution has n < 0
    a = torch.tensor([[238_200.0, 1_084.0], [6.7e6, 8_576.0]], dtype=torch.float64)
    s, n = torch.linalg.solve(a, torch.tensor([1e-9, 68e-9], dtype=torch.float64)).tolist()
    assert s > 0 and n < 0


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="unknown technology preset 'nope'"):
        preset_for("nope")
    with pytest.raises(ValueError, match="unknown energy term"):
        estimate_energy(architecture_counts("4-2"), SPINTRONIC_20NM, disabled=("magic",))
    for bad in ("784", "784-0-10", "a-b", ""):
        with pytest.raises(ValueError, match="architecture"):
            parse_architecture(bad)
    with pytest.raises(ValueError, match="amplifier_efficiency"):
        replace(SPINTRONIC_20NM, amplifier_efficiency=0.0)
    with pytest.raises(ValueError, match="oscillator_current"):
        replace(SPINTRONIC_20NM, oscillator_current=1e-6)
    with pytest.raises(ValueError, match="rf_power_per_synapse"):
        replace(SPINTRONIC_20NM, rf_power_per_synapse=float("nan"))


def test_platform_table_matches_lecture(tmp_path):
    rows = {(p.platform, p.energy_per_classification_j): p for p in load_platforms()}
    expected = [("Nvidia Tesla P100", 852e-6, 99.2), ("SpiNNaker", 3.3e-3, 95.0), ("TrueNorth", 0.27e-6, 92.7),
                ("TrueNorth", 108e-6, 99.4), ("Loihi", 2.5e-6, 96.2), ("Unnamed (Intel)", 1.0e-6, 88.0),
                ("BrainScaleS-2", 8.4e-6, 96.9)]
    assert len(rows) == len(expected)
    for name, energy, acc in expected:
        p = rows[(name, energy)]
        assert p.test_accuracy_percent == acc and "Goltz" in p.source and p.classifications_per_s > 0
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,energy_per_classification_j\nX,1\n")
    with pytest.raises(ValueError, match="missing columns"):
        load_platforms(bad)


def test_rf_cnn_counts_match_the_model_and_encodings():
    from rfspin.energy import network_counts
    from rfspin.nn.cnn import RFCNN, CNNSpec

    totals = {}
    for enc in ("time-sequential", "parallel"):
        model = RFCNN(CNNSpec(encoding=enc), generator=torch.Generator().manual_seed(0))
        counts = network_counts(model)
        t = count_totals(counts)
        assert (t.n_neurons, t.n_synapses) == (model.n_neurons, model.n_synapses)
        assert counts.n_input_tones == 784
        totals[enc] = (t, estimate_energy(counts, SPINTRONIC_20NM))
    seq, par = totals["time-sequential"], totals["parallel"]
    assert seq[0].synaptic_ops == par[0].synaptic_ops and seq[0].n_synapses < par[0].n_synapses
    assert seq[1].terms_j["synapse_rf"] == pytest.approx(par[1].terms_j["synapse_rf"], rel=1e-12)
    assert seq[1].latency_s > 50 * par[1].latency_s  # positions are read one after the other


def test_oscillators_emit_through_the_next_layers_evaluations():
    p = SPINTRONIC_20NM
    layers = [LayerCounts(kind="resonator_chains", n_resonators=8, n_chains=2, n_inputs=4, synaptic_ops=8, macs=8),
              LayerCounts(kind="oscillators", n_oscillators=2, n_inputs=2),
              LayerCounts(kind="rf_conv", n_resonators=6, n_chains=3, n_inputs=2, evaluations=7,
                          synaptic_ops=42, macs=42)]
    e = estimate_energy(layers, p)
    p_osc = p.oscillator_resistance * p.oscillator_current**2
    t_on = oscillator_settle_time(p) + 7 * resonator_settle_time(p)
    assert e.layers[2]["energy_j"]["neuron_dc"] == pytest.approx(2 * p_osc * t_on, rel=1e-12)
