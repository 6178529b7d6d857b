"""Non-idealities of RF spintronic chips: models (frozen dataclasses, SI units), TOML configs with
units in the keys, named presets, and the pure tensor functions that apply them."""

from .config import (
    PRESETS,
    UNITS,
    describe,
    from_description,
    load_nonidealities,
    parse_nonidealities,
    preset,
    with_setting,
)
from .models import (
    COMPONENTS,
    Defects,
    DeviceVariability,
    DiodeSaturation,
    InsertionLoss,
    NonIdealities,
    NonVolatileTuning,
    OscillatorNoise,
    OutputADC,
    ProgrammingError,
    Temperature,
    VoltageNoise,
)

__all__ = [
    "COMPONENTS", "Defects", "DeviceVariability", "DiodeSaturation", "InsertionLoss", "NonIdealities",
    "NonVolatileTuning", "OscillatorNoise", "OutputADC", "PRESETS", "ProgrammingError", "Temperature",
    "UNITS", "VoltageNoise", "describe", "from_description", "load_nonidealities", "parse_nonidealities",
    "preset", "with_setting",
]
