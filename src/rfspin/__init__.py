"""rfspin: radio-frequency spintronic neural networks.

Synapses are spin-diode resonators (an RF tone of power P at frequency f gives V = P G(f; f_r)),
neurons are spin-torque nano-oscillators; frequency multiplexing makes one chain of resonators a
weighted sum. Physics in :mod:`rfspin.physics` (SI units), layers in :mod:`rfspin.nn`, training
in :mod:`rfspin.train`, data sets in :mod:`rfspin.data`, chip programs in :mod:`rfspin.program`,
ready tasks in :mod:`rfspin.tasks`.

The public names below are loaded on first use (PEP 562), so ``import rfspin`` and the CLI's
``--help`` do not pay for torch; ``rfspin.train`` is the training package, the training loop is
:func:`rfspin.train_network` (also ``rfspin.train.train``).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it (imported on first access)
_LAZY = {
    "RFDataset": "rfspin.data",
    "load_digits": "rfspin.data",
    "load_drone": "rfspin.data",
    "load_nonlinear2d": "rfspin.data",
    "load_spectra_file": "rfspin.data",
    "NetworkSpec": "rfspin.nn",
    "OscillatorLayer": "rfspin.nn",
    "ResonatorChainLayer": "rfspin.nn",
    "RFNetwork": "rfspin.nn",
    "SoftwareMLP": "rfspin.nn",
    "Tones": "rfspin.nn",
    "build_rf_network": "rfspin.nn",
    "ROSS2023_OSCILLATOR": "rfspin.physics",
    "ROSS2023_RESONATOR": "rfspin.physics",
    "OscillatorParams": "rfspin.physics",
    "ResonatorParams": "rfspin.physics",
    "export_program": "rfspin.program",
    "network_from_program": "rfspin.program",
    "read_program": "rfspin.program",
    "write_program": "rfspin.program",
    "TrainConfig": "rfspin.train",
    "evaluate_accuracy": "rfspin.train",
    "train_network": "rfspin.train",
    "RfspinError": "rfspin.errors",
    "RfspinFileNotFoundError": "rfspin.errors",
    "RfspinTypeError": "rfspin.errors",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        try:  # a sub-package or module, e.g. rfspin.train, rfspin.physics
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
