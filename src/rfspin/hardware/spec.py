"""Typed descriptions of hardware backends: what a run configuration stores and saves.

A run configuration holds one of these (not a live backend), so it can be written to and read
from a plain dict; :meth:`build` makes the backend. The CLI turns ``--chip-in-the-loop`` text
(``sim:seed=3,...``, ``replay:DIR``, ``python:module:function``) into them.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import RfspinError, RfspinTypeError
from ..validation import check_number

__all__ = ["SimulatorSpec", "ReplaySpec", "FunctionSpec", "BackendSpec", "backend_spec_from_dict",
           "backend_spec_to_dict"]


@dataclass(frozen=True)
class SimulatorSpec:
    """A hidden simulated chip (:class:`~rfspin.hardware.simulator.SimulatorBackend`).

    seed: of the chip; programming_error: relative std of the written f_r [1]; variability:
    relative std of every device parameter [1]; noise_v: measurement noise per chain [V];
    oscillator_frequency_variability: relative std of the oscillator frequencies [1].
    """

    seed: int = 0
    programming_error: float = 0.01
    variability: float = 0.05
    noise_v: float = 1e-4
    oscillator_frequency_variability: float = 0.0

    kind = "sim"

    def __post_init__(self) -> None:
        check_number(self.seed, "simulator seed", integer=True)
        for name in ("programming_error", "variability", "noise_v", "oscillator_frequency_variability"):
            check_number(getattr(self, name), f"simulator {name}", ge=0.0)

    def build(self):
        from .simulator import SimulatorBackend, hidden_chip_nonidealities

        nonideal = hidden_chip_nonidealities(self.programming_error, self.variability, self.noise_v,
                                             self.oscillator_frequency_variability)
        return SimulatorBackend(nonideal, seed=self.seed)


@dataclass(frozen=True)
class ReplaySpec:
    """Recorded measurements in ``folder`` (:class:`~rfspin.hardware.replay.ReplayBackend`)."""

    folder: Path

    kind = "replay"

    def __post_init__(self) -> None:
        if not isinstance(self.folder, (str, Path)) or not str(self.folder):
            raise RfspinTypeError(f"replay folder {self.folder!r}: must be a path")
        object.__setattr__(self, "folder", Path(self.folder))

    def build(self):
        from .replay import ReplayBackend

        return ReplayBackend(self.folder)


@dataclass(frozen=True)
class FunctionSpec:
    """Your lab code ``module.function(program, inputs) -> outputs`` (a :class:`~rfspin.hardware.FunctionBackend`)."""

    module: str
    function: str

    kind = "python"

    def __post_init__(self) -> None:
        if not all(isinstance(v, str) and v for v in (self.module, self.function)):
            raise RfspinError(f"function backend {self.module!r}:{self.function!r}: give a module and a function name")

    def build(self):
        from .function import FunctionBackend

        try:
            module = importlib.import_module(self.module)
        except ImportError as exc:
            raise RfspinError(f"backend 'python:{self.module}:{self.function}': cannot import module "
                              f"{self.module!r} ({exc})") from exc
        if not callable(getattr(module, self.function, None)):
            raise RfspinError(f"backend 'python:{self.module}:{self.function}': {self.module} has no function "
                              f"{self.function!r}")
        return FunctionBackend(getattr(module, self.function), name=f"{self.module}:{self.function}")


BackendSpec = SimulatorSpec | ReplaySpec | FunctionSpec
_KINDS = {cls.kind: cls for cls in (SimulatorSpec, ReplaySpec, FunctionSpec)}


def backend_spec_to_dict(spec: BackendSpec) -> dict:
    values = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(spec).items()}
    return {"kind": spec.kind, **values}


def backend_spec_from_dict(data: dict) -> BackendSpec:
    data = dict(data)
    kind = data.pop("kind", None)
    if kind not in _KINDS:
        raise RfspinError(f"backend kind {kind!r}: choose one of {sorted(_KINDS)}")
    cls = _KINDS[kind]
    unknown = set(data) - set(cls.__dataclass_fields__)
    if unknown:
        raise RfspinError(f"{kind} backend: unknown keys {sorted(unknown)}")
    return cls(**data)

