"""Hardware backends: the protocol, a hidden-chip simulator, a user-function adapter, replay, typed specs."""

from .function import FunctionBackend
from .protocol import HardwareBackend, Measurement, check_measurement
from .replay import ReplayBackend, record_measurements
from .simulator import SimulatorBackend, hidden_chip_nonidealities
from .spec import (
    BackendSpec,
    FunctionSpec,
    ReplaySpec,
    SimulatorSpec,
    backend_spec_from_dict,
    backend_spec_to_dict,
)

__all__ = [
    "BackendSpec",
    "FunctionSpec",
    "ReplaySpec",
    "SimulatorSpec",
    "backend_spec_from_dict",
    "backend_spec_to_dict",
    "FunctionBackend",
    "HardwareBackend",
    "Measurement",
    "ReplayBackend",
    "SimulatorBackend",
    "check_measurement",
    "hidden_chip_nonidealities",
    "record_measurements",
]
