"""Non-idealities from TOML (units in the keys), named presets, and sweep settings.

Example (every key optional; ``preset`` starts from a named preset)::

    preset = "lab-2023"
    [programming_error]
    relative_sigma_percent = 0.5
    absolute_sigma_khz = 20
    [temperature]
    temperature_k = 320
    resonance_frequency_coefficient_ppm_per_k = -1300
    [tuning]
    tuning_range_mhz = 15
    resolution_khz = 50

A key is ``<field>_<unit>``; the allowed units depend on the field's dimension (see ``UNITS``).
A parsed file is first validated against :func:`toml_schema` (a JSON Schema built from the
dataclasses and ``UNITS``: sections, number and integer types, finite float32 values; files over
1 MiB or nested deeper than 32 levels are refused before parsing), then each key's unit is
resolved and the dataclasses check ranges. Unknown sections or keys, wrong units, non-numbers,
NaN and out-of-range values raise RfspinError naming the key and the value.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from pathlib import Path

from ..errors import RfspinError
from ..fileio import MAX_TOML_BYTES, read_toml
from ..schemas import validate
from ..validation import FLOAT32_MAX
from .models import (
    COMPONENTS,
    DeviceVariability,
    NonIdealities,
    NonVolatileTuning,
    OscillatorNoise,
    ProgrammingError,
    Temperature,
    VoltageNoise,
)

__all__ = [
    "UNITS", "PRESETS", "parse_nonidealities", "load_nonidealities", "with_setting", "describe", "from_description",
    "preset", "toml_schema", "MAX_TOML_BYTES",
]

#: Largest non-ideality TOML file read [bytes].

#: Dimension -> {unit suffix: factor to SI}. "" means the key is the bare field name.
UNITS: dict[str, dict[str, float]] = {
    "ratio": {"": 1.0, "fraction": 1.0, "percent": 1e-2, "ppm": 1e-6},  # bare name: a fraction
    "frequency": {"hz": 1.0, "khz": 1e3, "mhz": 1e6, "ghz": 1e9},
    "temperature": {"k": 1.0},
    "per_kelvin": {"per_k": 1.0, "percent_per_k": 1e-2, "ppm_per_k": 1e-6},
    "voltage": {"v": 1.0, "mv": 1e-3, "uv": 1e-6, "nv": 1e-9},
    "power": {"w": 1.0, "mw": 1e-3, "uw": 1e-6, "nw": 1e-9},
    "decibel": {"db": 1.0},
    "count": {"": 1.0},
}

_DIMENSION = {
    "relative_sigma": "ratio", "absolute_sigma": "frequency",
    "temperature": "temperature", "reference_temperature": "temperature",
    "resonance_frequency_coefficient": "per_kelvin", "threshold_current_coefficient": "per_kelvin",
    "sensitivity_coefficient": "per_kelvin",
    "bandwidth": "frequency", "extra_sigma": "voltage",
    "power_sigma": "ratio", "frequency_sigma": "frequency",
    "tuning_range": "frequency", "resolution": "frequency",
    "dead_fraction": "ratio", "stuck_fraction": "ratio",
    "loss_per_device": "decibel", "bits": "count", "full_scale": "voltage", "saturation_power": "power",
}
_DIMENSION.update({f.name: "ratio" for f in fields(DeviceVariability)})
_INFINITE_OK = {"tuning_range", "saturation_power"}


def _field_for_key(section: str, key: str) -> tuple[str, float]:
    """(field name, factor to SI) of ``key`` in ``section``; ValueError on unknown key or unit."""
    cls = COMPONENTS[section]
    names = sorted((f.name for f in fields(cls)), key=len, reverse=True)
    for name in names:
        units = UNITS[_DIMENSION[name]]
        if key == name:
            if "" in units:
                return name, 1.0
            raise RfspinError(f"{section}.{key}: needs a unit suffix, one of {[f'{name}_{u}' for u in units]}")
        if key.startswith(name + "_"):
            unit = key[len(name) + 1 :]
            if unit in units:
                return name, units[unit]
            if any(key.startswith(other + "_") and other != name and len(other) > len(name) for other in names):
                continue
            raise RfspinError(
                f"{section}.{key}: unit {unit!r} is wrong for {name} ({_DIMENSION[name]}); "
                f"use one of {[f'{name}_{u}' if u else name for u in units]}"
            )
    allowed = [f"{f.name}_<unit>" if _DIMENSION[f.name] != "count" else f.name for f in fields(cls)]
    raise RfspinError(f"{section}.{key}: unknown key; [{section}] takes {allowed}")


def _number(section: str, key: str, value, name: str, factor: float) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RfspinError(f"{section}.{key} = {value!r}: must be a number")
    if math.isnan(value) or (math.isinf(value) and name not in _INFINITE_OK):
        raise RfspinError(f"{section}.{key} = {value!r}: must be a finite number")
    if _DIMENSION[name] == "count":
        if float(value) != int(value):
            raise RfspinError(f"{section}.{key} = {value!r}: must be an integer")
        return int(value)
    return float(value) * factor


def _apply_section(component, section: str, table) -> object:
    if not isinstance(table, dict):
        raise RfspinError(f"[{section}]: expected a table of keys, got {table!r}")
    changes = {}
    for key, value in table.items():
        name, factor = _field_for_key(section, key)
        if name in changes:
            raise RfspinError(f"{section}.{key}: {name} is given twice (with different units?)")
        changes[name] = _number(section, key, value, name, factor)
    try:
        return replace(component, **changes)
    except ValueError as exc:
        raise RfspinError(f"[{section}] {table}: {exc}") from exc


def _number_schema(name: str) -> dict:
    if _DIMENSION[name] == "count":
        return {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    if name in _INFINITE_OK:  # inf means "unlimited"; NaN fails any bound
        return {"type": "number", "minimum": -math.inf}
    return {"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}


def toml_schema() -> dict:
    """JSON Schema of a non-ideality TOML document: its sections and every ``field_unit`` key.

    Keys outside the listed ones are left to the unit parser, whose message names the allowed
    units of the field the key resembles.
    """
    sections = {}
    for section, cls in COMPONENTS.items():
        keys = {}
        for f in fields(cls):
            for unit in UNITS[_DIMENSION[f.name]]:
                keys[f"{f.name}_{unit}" if unit else f.name] = _number_schema(f.name)
        sections[section] = {"type": "object", "properties": keys, "additionalProperties": {"type": "number"}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rfspin non-idealities (TOML, units in the keys)",
        "type": "object",
        "additionalProperties": False,
        "properties": {"preset": {"enum": sorted(PRESETS)}, **sections},
    }


def parse_nonidealities(data: dict, *, base: NonIdealities | None = None) -> NonIdealities:
    """NonIdealities from a parsed TOML dict (see the module docstring)."""
    validate(data, toml_schema(), "non-idealities")
    data = dict(data)
    name = data.pop("preset", None)
    result = base if base is not None else NonIdealities()
    if name is not None:
        result = preset(name)
    for section, table in data.items():
        if section not in COMPONENTS:
            raise RfspinError(f"unknown section or key {section!r}; allowed: 'preset', {sorted(COMPONENTS)}")
        result = replace(result, **{section: _apply_section(getattr(result, section), section, table)})
    return result


def load_nonidealities(path: str | Path) -> NonIdealities:
    """Parse a TOML file into NonIdealities; errors name the file and the bad key."""
    data = read_toml(path, "non-ideality config")
    try:
        return parse_nonidealities(data)
    except ValueError as exc:
        raise RfspinError(f"{path}: {exc}") from None


def with_setting(nonideal: NonIdealities, setting: str, value: float) -> NonIdealities:
    """Set one key given as ``section.key_unit`` (as in TOML), e.g. sweeps of
    ``programming_error.relative_sigma_percent``."""
    section, _, key = setting.partition(".")
    if section not in COMPONENTS or not key:
        raise RfspinError(f"setting {setting!r}: expected SECTION.KEY_UNIT with SECTION in {sorted(COMPONENTS)}")
    return parse_nonidealities({section: {key: value}}, base=nonideal)


def describe(nonideal: NonIdealities) -> dict:
    """Plain dict of every field in SI units (for JSON records; inf, i.e. "unlimited", as None)."""
    def plain(value):
        return None if isinstance(value, float) and math.isinf(value) else value

    return {
        s: {f.name: plain(getattr(getattr(nonideal, s), f.name)) for f in fields(COMPONENTS[s])} for s in COMPONENTS
    }


#: Named presets. "lab-2023" is an assumption of a realistic laboratory vortex-MTJ chip (numbers
#: in docs/robustness.md): write-verify residual 0.05 % of f_r, 5-10 % device spreads, room
#: temperature, 1 MHz readout bandwidth, 2 % oscillator power noise and a 40 kHz line.
PRESETS: dict[str, NonIdealities] = {
    "ideal": NonIdealities(),
    "lab-2023": NonIdealities(
        programming_error=ProgrammingError(relative_sigma=5e-4),
        variability=DeviceVariability(
            damping_sigma=0.05, sensitivity_sigma=0.10, mix_sigma=0.05, threshold_current_sigma=0.05,
            nonlinear_damping_sigma=0.05, oscillator_frequency_sigma=1e-3, oscillator_power_sigma=0.05,
        ),
        temperature=Temperature(temperature=300.0),
        voltage_noise=VoltageNoise(bandwidth=1e6),
        oscillator_noise=OscillatorNoise(power_sigma=0.02, frequency_sigma=20e3),
    ),
    "nv-analog": NonIdealities(
        programming_error=ProgrammingError(relative_sigma=5e-4),
        tuning=NonVolatileTuning(tuning_range=15e6, resolution=50e3),
    ),
}


def preset(name: str) -> NonIdealities:
    if name not in PRESETS:
        raise RfspinError(f"unknown non-ideality preset {name!r}: choose one of {sorted(PRESETS)}")
    return PRESETS[name]


def from_description(data: dict) -> NonIdealities:
    """Inverse of :func:`describe` (SI field names), e.g. when loading a saved chip instance."""
    unknown = set(data) - set(COMPONENTS)
    if unknown:
        raise RfspinError(f"non-ideality record: unknown sections {sorted(unknown)}")
    return NonIdealities(
        **{s: COMPONENTS[s](**{k: math.inf if x is None else x for k, x in v.items()}) for s, v in data.items()}
    )
