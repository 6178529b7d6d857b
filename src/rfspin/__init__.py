"""rfspin: radio-frequency spintronic neural networks.

Synapses are spin-diode resonators (an RF tone of power P at frequency f gives V = P G(f; f_r)),
neurons are spin-torque nano-oscillators; frequency multiplexing makes one chain of resonators a
weighted sum. Physics in :mod:`rfspin.physics` (SI units), layers in :mod:`rfspin.nn`, training
in :mod:`rfspin.train`, data sets in :mod:`rfspin.data`, chip programs in :mod:`rfspin.program`,
ready tasks in :mod:`rfspin.tasks`.
"""

from .data import (
    RFDataset,
    load_digits,
    load_drone,
    load_nonlinear2d,
    load_spectra_file,
)
from .nn import (
    NetworkSpec,
    OscillatorLayer,
    ResonatorChainLayer,
    RFNetwork,
    SoftwareMLP,
    Tones,
    build_rf_network,
)
from .physics import (
    ROSS2023_OSCILLATOR,
    ROSS2023_RESONATOR,
    OscillatorParams,
    ResonatorParams,
)
from .program import export_program, network_from_program, read_program, write_program
from .train import TrainConfig, evaluate_accuracy, train

__version__ = "0.1.0"

__all__ = [
    "NetworkSpec",
    "OscillatorLayer",
    "OscillatorParams",
    "RFDataset",
    "RFNetwork",
    "ROSS2023_OSCILLATOR",
    "ROSS2023_RESONATOR",
    "ResonatorChainLayer",
    "ResonatorParams",
    "SoftwareMLP",
    "Tones",
    "TrainConfig",
    "build_rf_network",
    "evaluate_accuracy",
    "export_program",
    "load_digits",
    "load_drone",
    "load_nonlinear2d",
    "load_spectra_file",
    "network_from_program",
    "read_program",
    "train",
    "write_program",
]
