"""Device calibration: least-squares fits of measured spectra and P(I) curves, devices files."""

from .csvio import read_columns
from .devices import (
    DEVICES_SCHEMA,
    DEVICES_VERSION,
    apply_devices,
    oscillator_entry,
    read_devices,
    resonator_entry,
    write_devices,
)
from .oscillator_fit import OscillatorFit, fit_oscillator_power, oscillator_power_curve
from .resonator_fit import (
    ResonatorFit,
    fit_resonator_spectrum,
    resonator_spectrum,
    synthetic_spectrum,
)

__all__ = [
    "DEVICES_SCHEMA",
    "DEVICES_VERSION",
    "OscillatorFit",
    "ResonatorFit",
    "apply_devices",
    "fit_oscillator_power",
    "fit_resonator_spectrum",
    "oscillator_entry",
    "oscillator_power_curve",
    "read_columns",
    "read_devices",
    "resonator_entry",
    "resonator_spectrum",
    "synthetic_spectrum",
    "write_devices",
]
