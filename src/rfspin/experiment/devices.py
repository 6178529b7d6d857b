"""Device presets and the TOML keys (units in the names) of their fields.

Presets are the named parameter sets of :mod:`rfspin.physics.params`; an experiment file picks
one per device kind and overrides single fields, each key spelled ``<field>_<SI unit>``
(dimensionless fields keep their bare name).
"""

from __future__ import annotations

from dataclasses import asdict, replace

from ..errors import RfspinError
from ..physics.params import (
    ROSS2023_OSCILLATOR,
    ROSS2023_RESONATOR,
    OscillatorParams,
    ResonatorParams,
)

__all__ = ["FIELD_KEYS", "PRESETS", "device_from_table", "device_table"]

#: kind -> preset name -> parameters (Ross et al., Nat. Nanotechnol. 18, 1273 (2023)).
PRESETS = {
    "resonator": {"ross2023": ROSS2023_RESONATOR},
    "oscillator": {"ross2023": ROSS2023_OSCILLATOR},
}

#: kind -> dataclass field -> TOML key (SI unit in the name).
FIELD_KEYS = {
    "resonator": {
        "sensitivity": "sensitivity_v_per_w", "damping": "damping", "antisymmetric_weight": "antisymmetric_weight",
        "symmetric_weight": "symmetric_weight", "min_resonance_frequency": "min_resonance_frequency_hz",
        "max_resonance_frequency": "max_resonance_frequency_hz", "resistance": "resistance_ohm",
    },
    "oscillator": {
        "threshold_current": "threshold_current_a", "nonlinear_damping": "nonlinear_damping",
        "resistance": "resistance_ohm", "magnetoresistance_ratio": "magnetoresistance_ratio",
        "spin_polarization": "spin_polarization", "max_output_power": "max_output_power_w",
        "max_current_ratio": "max_current_ratio", "transconductance": "transconductance_a_per_v",
        "bias_voltage": "bias_voltage_v", "nonlinear_frequency_shift": "nonlinear_frequency_shift_hz",
        "linewidth_min": "linewidth_min_hz", "relaxation_rate": "relaxation_rate_per_s",
    },
}

_CLASSES = {"resonator": ResonatorParams, "oscillator": OscillatorParams}


def device_table(kind: str, params) -> dict:
    """The TOML table of ``params``: the matching preset's name (else the first) and every field."""
    presets = PRESETS[kind]
    name = next((n for n, p in presets.items() if p == params), next(iter(presets)))
    values = asdict(params)
    return {"preset": name, **{key: values[field] for field, key in FIELD_KEYS[kind].items()}}


def device_from_table(kind: str, table: dict, base=None):
    """Parameters from a table: its preset (else ``base``, else the kind's first preset), then its fields."""
    presets = PRESETS[kind]
    if "preset" in table:
        if table["preset"] not in presets:
            raise RfspinError(f"devices.{kind}.preset = {table['preset']!r}: choose one of {sorted(presets)}")
        params = presets[table["preset"]]
    else:
        params = base if base is not None else next(iter(presets.values()))
    names = {key: field for field, key in FIELD_KEYS[kind].items()}
    try:
        return replace(params, **{names[k]: v for k, v in table.items() if k != "preset"})
    except ValueError as exc:  # the dataclass's range checks (RfspinError is a ValueError)
        raise RfspinError(f"devices.{kind}: {exc}") from None
