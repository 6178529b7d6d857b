"""Per-device parameter files: measured parameters that networks use (``rfspin train --devices``).

Format (JSON, schema ``rfspin.devices`` version 1; SI units, the unit in every key):

    {"schema": "rfspin.devices", "version": 1,
     "resonators": [
        {"sensitivity_v_per_w": 8840.0, "damping": 0.0101,
         "antisymmetric_weight": 0.98, "symmetric_weight": 0.2,
         "measured_resonance_frequency_hz": 6.0e7,     # informational: f_r is trained
         "position": [0, 3, 17],                       # optional: [resonator layer, chain, k]
         "source": "spectrum_a.csv", "uncertainty": {...}}, ...],
     "oscillators": [
        {"threshold_current_a": 1.0e-5, "nonlinear_damping": 2.0, "power_scale_w_per_a2": 1250.0,
         "position": [0, 5],                           # optional: [oscillator layer, neuron]
         "source": "pi.csv", "uncertainty": {...}}, ...]}

Assignment of entries without a ``position`` (in each list): none -> the network keeps its
defaults; one -> every device of that kind; exactly as many as the network has devices -> in
order (layer, then chain, then position in the chain; or layer, then neuron); any other count is
an error. Entries with a ``position`` are applied afterwards and override.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import RfspinError
from ..fileio import atomic_write_json, read_json
from ..nn.network import RFNetwork
from ..schemas import check_identity, validate
from ..schemas.semantic import check_devices
from .oscillator_fit import OscillatorFit
from .resonator_fit import ResonatorFit

__all__ = [
    "DEVICES_SCHEMA",
    "DEVICES_VERSION",
    "resonator_entry",
    "oscillator_entry",
    "write_devices",
    "read_devices",
    "apply_devices",
    "validate_devices",
]

DEVICES_SCHEMA = "rfspin.devices"
DEVICES_VERSION = 1

_RESONATOR_KEYS = {  # file key -> ResonatorChainLayer buffer
    "sensitivity_v_per_w": "sensitivity",
    "damping": "damping",
    "antisymmetric_weight": "antisymmetric_weight",
    "symmetric_weight": "symmetric_weight",
}
_OSCILLATOR_KEYS = ("threshold_current_a", "nonlinear_damping", "power_scale_w_per_a2")


def resonator_entry(fit: ResonatorFit, source: str = "") -> dict:
    """A devices-file resonator entry from a spectrum fit."""
    return {
        "sensitivity_v_per_w": fit.sensitivity,
        "damping": fit.damping,
        "antisymmetric_weight": fit.antisymmetric_weight,
        "symmetric_weight": fit.symmetric_weight,
        "measured_resonance_frequency_hz": fit.resonance_frequency,
        "source": source,
        "uncertainty": {k: v for k, v in fit.uncertainty.items()},
    }


def oscillator_entry(fit: OscillatorFit, source: str = "") -> dict:
    """A devices-file oscillator entry from a P(I) fit."""
    return {
        "threshold_current_a": fit.threshold_current,
        "nonlinear_damping": fit.nonlinear_damping,
        "power_scale_w_per_a2": fit.power_scale,
        "source": source,
        "uncertainty": dict(fit.uncertainty),
    }


def write_devices(path: str | Path, resonators: list[dict] = (), oscillators: list[dict] = ()) -> Path:
    """Validate and write a devices file atomically."""
    data = {"schema": DEVICES_SCHEMA, "version": DEVICES_VERSION,
            "resonators": list(resonators), "oscillators": list(oscillators)}
    validate_devices(data, str(path))
    return atomic_write_json(path, data)


def read_devices(path: str | Path) -> dict:
    """Read and validate a devices file; clear errors for missing or malformed files."""
    data = read_json(path, "devices file")
    validate_devices(data, f"devices file {str(path)!r}")
    return data


def validate_devices(data: dict, where: str = "devices") -> None:
    """Schema ``rfspin/schemas/devices.json``, then the checks it cannot express (RfspinError)."""
    check_identity(data, DEVICES_SCHEMA, DEVICES_VERSION, where, "devices file")
    validate(data, "devices", where)
    check_devices(data, where)


def _assign(entries: list[dict], sites: list, kind: str, set_site) -> None:
    """Apply unpositioned entries (1 -> all, N -> in order), then positioned ones."""
    plain = [e for e in entries if e.get("position") is None]
    if len(plain) == 1:
        for site in sites:
            set_site(site, plain[0])
    elif len(plain) == len(sites):
        for site, entry in zip(sites, plain):
            set_site(site, entry)
    elif plain:
        raise RfspinError(f"devices file has {len(plain)} {kind} without a position; the network has "
                         f"{len(sites)}: give 1 (for all), {len(sites)} (in order), or positions")
    index = {tuple(s): s for s in sites}
    for entry in entries:
        pos = entry.get("position")
        if pos is not None:
            if tuple(pos) not in index:
                raise RfspinError(f"devices file: {kind} position {pos} does not exist in this network")
            set_site(index[tuple(pos)], entry)


@torch.no_grad()
def apply_devices(model: RFNetwork, devices: dict) -> RFNetwork:
    """Set every device's measured parameters in ``model`` (in place) and return it."""
    validate_devices(devices)
    res_layers = model.resonator_layers
    sites = [(li, j, k) for li, layer in enumerate(res_layers)
             for j in range(layer.n_chains) for k in range(layer.detuning.shape[1])]

    def set_resonator(site, entry):
        li, j, k = site
        for key, buffer in _RESONATOR_KEYS.items():
            getattr(res_layers[li], buffer)[j, k] = entry[key]

    _assign(devices.get("resonators", []), sites, "resonators", set_resonator)
    osc_layers = model.oscillator_layers
    osc_sites = [(li, n) for li, layer in enumerate(osc_layers) for n in range(layer.n_neurons)]

    def set_oscillator(site, entry):
        layer, n = osc_layers[site[0]], site[1]
        layer.threshold_current[n] = entry["threshold_current_a"]
        layer.nonlinear_damping[n] = entry["nonlinear_damping"]
        scale = (layer.magnetoresistance_ratio[n] * layer.spin_polarization[n]) ** 2 * layer.resistance[n]
        layer.power_prefactor[n] = entry["power_scale_w_per_a2"] / scale

    _assign(devices.get("oscillators", []), osc_sites, "oscillators", set_oscillator)
    return model
