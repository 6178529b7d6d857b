"""Chip program: every device setting of an RF network, complete enough to recompute its outputs.

Schema ``rfspin.chip_program`` version 1 (JSON, written compact: one line, ~10^5 numbers; SI units,
the unit in every key):

    {
      "schema": "rfspin.chip_program", "version": 1,
      "sizes": [256, 128, 10],
      "input": {"frequencies_hz": [...I], "power_per_unit_w": 1e-6},
      "readout": {"readout_scale_v": 1e-3},
      "layers": [
        {"type": "resonator_chains", "n_chains": J, "n_resonators_per_chain": K,
         "tone_frequencies_hz": [...I],          # tones this layer listens to
         "anchor_frequencies_hz": [...K],         # rough tuning (connectivity) of position k
         "signs": [...K],                         # head-to-tail orientation s_k = +-1
         "resonance_frequency_hz": [[...K] x J],  # the programmed f_jk
         "sensitivity_v_per_w": [[...]], "damping": [[...]],
         "antisymmetric_weight": [[...]], "symmetric_weight": [[...]],
         "bias_voltage_v": [...J],
         "tuning_band_hz": [f_min, f_max]},
        {"type": "oscillators", "n_neurons": N, "frequency_hz": [...N],
         "transconductance_a_per_v": [...], "bias_voltage_v": [...], "threshold_current_a": [...],
         "nonlinear_damping": [...], "resistance_ohm": [...], "magnetoresistance_ratio": [...],
         "spin_polarization": [...], "max_current_ratio": [...], "power_prefactor": [...],
         "nonlinear_frequency_shift_hz": [...]},
        ...
      ],
      "spec": {...}   # rfspin NetworkSpec, to rebuild the same object
    }

Forward pass defined by the program (what a chip or an independent script computes):

    P = x * power_per_unit_w                                  (inputs x in [0, 1])
    chains:  d = f_i - f_jk, Delta = damping * f_jk
             G = s_k * sensitivity * (2 a_A d Delta + 2 a_S Delta^2) / (d^2 + Delta^2)
             V_j = sum_i P_i sum_k G_jki + bias_j
    oscillators: I = clip(g_m (V + V_bias), 0, max_current_ratio * I_th), z = I / I_th
             p0 = max(z - 1, 0) / (z + Q);  P = power_prefactor p0 (dR/R beta)^2 R I^2
             f = frequency_hz + nonlinear_frequency_shift_hz * p0
    outputs: the last chains' V [V]; the class is argmax V.
"""

from __future__ import annotations

import csv
import io
from itertools import repeat
from pathlib import Path

import torch

from ..errors import RfspinError, RfspinTypeError
from ..fileio import atomic_write_json, atomic_write_text, read_json
from ..nn.engine import map_layers
from ..nn.network import NetworkSpec, RFNetwork
from ..nn.oscillator_layer import OSCILLATOR_FIELDS, OscillatorLayer
from ..nn.resonator_layer import ResonatorChainLayer
from ..schemas import check_identity, validate
from ..schemas.semantic import check_chip_program

__all__ = [
    "PROGRAM_SCHEMA",
    "PROGRAM_VERSION",
    "export_program",
    "network_from_program",
    "read_program",
    "write_program",
    "program_csv",
    "validate_program",
    "write_program_files",
]

PROGRAM_SCHEMA = "rfspin.chip_program"
PROGRAM_VERSION = 1

_RESONATOR_ARRAYS = {
    "sensitivity_v_per_w": "sensitivity",
    "damping": "damping",
    "antisymmetric_weight": "antisymmetric_weight",
    "symmetric_weight": "symmetric_weight",
}
# Every per-neuron buffer (OSCILLATOR_FIELDS) with its program key.
_OSCILLATOR_KEYS = {
    "threshold_current": "threshold_current_a",
    "nonlinear_damping": "nonlinear_damping",
    "resistance": "resistance_ohm",
    "magnetoresistance_ratio": "magnetoresistance_ratio",
    "spin_polarization": "spin_polarization",
    "max_current_ratio": "max_current_ratio",
    "transconductance": "transconductance_a_per_v",
    "bias_voltage": "bias_voltage_v",
    "nonlinear_frequency_shift": "nonlinear_frequency_shift_hz",
}


if set(_OSCILLATOR_KEYS) != set(OSCILLATOR_FIELDS):  # pragma: no cover - guards future edits
    raise ImportError("chip program keys do not cover every oscillator buffer")


def _list(t: torch.Tensor) -> list:
    return t.detach().double().tolist()


def _chains_entry(layer: ResonatorChainLayer) -> dict:
    entry = {
        "type": "resonator_chains",
        "n_chains": layer.n_chains,
        "n_resonators_per_chain": layer.detuning.shape[1],
        "tone_frequencies_hz": _list(layer.tone_frequencies),
        "anchor_frequencies_hz": _list(layer.anchor_frequencies),
        "signs": _list(layer.signs),
        "resonance_frequency_hz": _list(layer.resonance_frequencies()),
        "bias_voltage_v": _list(layer.bias_voltage()),
        "tuning_band_hz": _list(layer.band),
    }
    for key, attr in _RESONATOR_ARRAYS.items():
        entry[key] = _list(getattr(layer, attr))
    return entry


def _oscillators_entry(layer: OscillatorLayer) -> dict:
    entry = {"type": "oscillators", "n_neurons": layer.n_neurons, "frequency_hz": _list(layer.frequencies)}
    for attr, key in _OSCILLATOR_KEYS.items():
        entry[key] = _list(getattr(layer, attr))
    entry["power_prefactor"] = _list(layer.power_prefactor)
    return entry


@torch.no_grad()
def export_program(model: RFNetwork) -> dict:
    """The chip program of ``model`` as a JSON-ready dict (see module docstring)."""
    if not isinstance(model, RFNetwork):
        raise RfspinTypeError(f"export_program needs an RFNetwork, got {type(model).__name__}")
    layers = list(map_layers(model.layers, chains=lambda _, layer: _chains_entry(layer),
                             oscillators=lambda _, layer: _oscillators_entry(layer)))
    return {
        "schema": PROGRAM_SCHEMA,
        "version": PROGRAM_VERSION,
        "sizes": list(model.spec.sizes),
        "input": {
            "frequencies_hz": _list(model.resonator_layers[0].tone_frequencies),
            "power_per_unit_w": float(model.input_power),
        },
        "readout": {"readout_scale_v": float(model.readout_scale)},
        "layers": layers,
        "spec": model.spec.to_dict(),
    }


def write_program(model: RFNetwork, path: str | Path) -> Path:
    """Write the program as JSON (atomic)."""
    return atomic_write_json(path, export_program(model), compact=True)


def program_csv(program: dict) -> tuple[str, str]:
    """Two CSV texts: one row per resonator, one row per oscillator."""
    res = io.StringIO()
    w = csv.writer(res)
    w.writerow(["layer", "chain", "position", "sign", "resonance_frequency_hz", "anchor_frequency_hz",
                "sensitivity_v_per_w", "damping", "antisymmetric_weight", "symmetric_weight", "chain_bias_voltage_v"])
    osc = io.StringIO()
    wo = csv.writer(osc)
    wo.writerow(["layer", "neuron", "frequency_hz", *_OSCILLATOR_KEYS.values(), "power_prefactor"])
    for li, layer in enumerate(program["layers"]):
        if layer["type"] == "resonator_chains":
            # Whole rows at a time (map/zip/writerows at C speed; ~3x faster for the drone's 34048 rows).
            signs = [int(s) for s in layer["signs"]]
            anchors = list(map(repr, layer["anchor_frequencies_hz"]))
            for j, row in enumerate(layer["resonance_frequency_hz"]):
                w.writerows(zip(repeat(li), repeat(j), range(len(row)), signs, map(repr, row), anchors,
                                *(map(repr, layer[key][j]) for key in _RESONATOR_ARRAYS),
                                repeat(repr(layer["bias_voltage_v"][j]))))
        else:
            for n in range(layer["n_neurons"]):
                wo.writerow([li, n, repr(layer["frequency_hz"][n]),
                             *(repr(layer[key][n]) for key in _OSCILLATOR_KEYS.values()),
                             repr(layer["power_prefactor"][n])])
    return res.getvalue(), osc.getvalue()


def write_program_files(model: RFNetwork, out_dir: str | Path, stem: str = "program") -> list[Path]:
    """program.json, program_resonators.csv and program_oscillators.csv in ``out_dir``."""
    out_dir = Path(out_dir)
    program = export_program(model)
    res_csv, osc_csv = program_csv(program)
    return [
        atomic_write_json(out_dir / f"{stem}.json", program, compact=True),
        atomic_write_text(out_dir / f"{stem}_resonators.csv", res_csv),
        atomic_write_text(out_dir / f"{stem}_oscillators.csv", osc_csv),
    ]


def read_program(path: str | Path) -> dict:
    """Read and validate a program file; clear errors for missing, corrupted or inconsistent files."""
    program = read_json(path, "program file")
    validate_program(program, f"program file {str(path)!r}")
    return program


def validate_program(program: dict, where: str = "program") -> None:
    """Schema ``rfspin/schemas/chip_program.json``, then shapes, layer order and bands (RfspinError)."""
    check_identity(program, PROGRAM_SCHEMA, PROGRAM_VERSION, where, "chip program")
    validate(program, "chip_program", where)
    check_chip_program(program, where)


@torch.no_grad()
def network_from_program(program: dict) -> RFNetwork:
    """Rebuild the RFNetwork a program describes (outputs identical to the exported network)."""
    validate_program(program)
    model = RFNetwork(NetworkSpec.from_dict(program["spec"]))
    model.input_power.fill_(program["input"]["power_per_unit_w"])
    model.readout_scale.fill_(program["readout"]["readout_scale_v"])
    entries = program["layers"]
    if len(entries) != len(model.layers):
        raise RfspinError(f"program has {len(entries)} layers; its spec builds a network of {len(model.layers)}")

    def set_chains(index: int, layer: ResonatorChainLayer) -> None:
        entry = entries[index]
        if entry["type"] != "resonator_chains":
            raise RfspinError(f"program layer type {entry['type']!r} where resonator chains were expected")
        layer.tone_frequencies.copy_(torch.tensor(entry["tone_frequencies_hz"]))
        layer.anchor_frequencies.copy_(torch.tensor(entry["anchor_frequencies_hz"]))
        layer.signs.copy_(torch.tensor(entry["signs"]))
        layer.band.copy_(torch.tensor(entry["tuning_band_hz"]))
        for key, attr in _RESONATOR_ARRAYS.items():
            getattr(layer, attr).copy_(torch.tensor(entry[key]))
        layer.set_resonance_frequencies(torch.tensor(entry["resonance_frequency_hz"], dtype=torch.float64))
        layer.set_bias_voltage(torch.tensor(entry["bias_voltage_v"], dtype=torch.float64))

    def set_oscillators(index: int, layer: OscillatorLayer) -> None:
        entry = entries[index]
        if entry["type"] != "oscillators":
            raise RfspinError(f"program layer type {entry['type']!r} where oscillators were expected")
        layer.frequencies.copy_(torch.tensor(entry["frequency_hz"]))
        for attr, key in _OSCILLATOR_KEYS.items():
            getattr(layer, attr).copy_(torch.tensor(entry[key]))
        layer.power_prefactor.copy_(torch.tensor(entry["power_prefactor"]))

    map_layers(model.layers, chains=set_chains, oscillators=set_oscillators)
    return model

