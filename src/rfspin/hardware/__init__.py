"""Hardware backends: the protocol, a hidden-chip simulator, a user-function adapter, replay."""

from .function import FunctionBackend
from .protocol import HardwareBackend, Measurement, check_measurement
from .replay import ReplayBackend, record_measurements
from .simulator import SimulatorBackend, hidden_chip_nonidealities

__all__ = [
    "FunctionBackend",
    "HardwareBackend",
    "Measurement",
    "ReplayBackend",
    "SimulatorBackend",
    "check_measurement",
    "hidden_chip_nonidealities",
    "record_measurements",
]
