"""The run configuration of ``rfspin train``: one frozen, validated, serialisable dataclass.

:func:`rfspin.tasks.run.run_training` takes a :class:`RunConfig`; the CLI builds one from its
arguments, experiment files can build one from a plain dict (:meth:`RunConfig.from_dict`; the
dict of a run is saved in its ``metrics.json`` as ``run_config``). Every check of a single
option and every incompatible combination of options is here, in ``__post_init__``, so a bad
configuration fails before any data is loaded or any folder is created. Messages name the
``rfspin train`` flag of each field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from ..errors import RfspinError, RfspinTypeError
from ..hardware.spec import (
    BackendSpec,
    FunctionSpec,
    ReplaySpec,
    SimulatorSpec,
    backend_spec_from_dict,
    backend_spec_to_dict,
)
from ..nn.binary import BinarySynapses
from ..nn.network import SpecFields
from ..train.hardware_aware import HardwareAwareConfig

__all__ = ["RunConfig", "INCOMPATIBLE_OPTIONS"]

#: Field -> the ``rfspin train`` flag that sets it (for messages).
FLAGS = {
    "task": "--task", "out_dir": "--out", "hidden": "--hidden", "epochs": "--epochs", "max_shift": "--max-shift",
    "seed": "--seed", "baseline": "--baseline", "resume": "--resume", "program": "--program",
    "init_from": "--init-from", "data_dir": "--data-dir", "devices_file": "--devices", "hardware_aware": "--hw-aware",
    "chip_in_the_loop": "--chip-in-the-loop", "binary": "--binary", "spec_overrides": "(network spec overrides)",
    "plots": "--no-plots", "progress": "--quiet", "device": "--device",
}

#: Pairs of options that cannot be used together, and why: the one list of them.
INCOMPATIBLE_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("resume", "program", "a resumed run continues from its own checkpoint"),
    ("resume", "init_from", "a resumed run continues from its own checkpoint"),
    ("program", "init_from", "both set the starting network"),
    ("program", "hidden", "the program fixes the architecture"),
    ("program", "spec_overrides", "the program fixes the network spec"),
    ("chip_in_the_loop", "resume", "chip-in-the-loop training is not resumable"),
    ("chip_in_the_loop", "hardware_aware", "the chip itself provides the non-idealities"),
    ("chip_in_the_loop", "binary", "the chip program of binary synapses is only fixed after training"),
    ("binary", "hardware_aware", "binary synapses are trained on the ideal twin"),
    ("binary", "program", "a program sets analog resonance frequencies"),
    ("binary", "resume", "binary runs keep the hardened network only"),
)

_DEVICE_NAMES = ("auto", "cpu", "cuda")


def _is_set(value) -> bool:
    return value is not None and value is not False and value != SpecFields()


def _path_or_none(value, name: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, (str, Path)) or not str(value):
        raise RfspinTypeError(f"{FLAGS[name]} {value!r}: must be a path")
    return Path(value)


def _int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RfspinError(f"{FLAGS[name]} {value!r}: must be an integer >= {minimum}"
                          + (" (pixels)" if name == "max_shift" else ""))
    return value


@dataclass(frozen=True)
class RunConfig:
    """Everything ``rfspin train`` does, as values (no live objects: it round-trips through a dict).

    task: registered task name or a .npz/.h5 spectra file; out_dir: the run folder.
    hidden: hidden widths (None: the task's; () a single layer); epochs, max_shift [pixels]:
        override the task's training budgets (RF and baseline alike); seed: init and shuffling.
    baseline: also train the software baseline; resume: continue from the folder's checkpoint.
    program: start from a chip program file; init_from: warm start from another run folder.
    data_dir: folder of external data; devices_file: measured per-device parameters.
    hardware_aware: train through sampled non-ideal chips; chip_in_the_loop: train on a backend.
    binary: binary non-volatile synapses; spec_overrides: NetworkSpec fields on top of the task's.
    plots, progress: PNG plots, progress bars; device: "auto", "cpu", "cuda" or "cuda:N".
    """

    task: str
    out_dir: Path
    hidden: tuple[int, ...] | None = None
    epochs: int | None = None
    max_shift: int | None = None
    seed: int = 0
    baseline: bool = False
    resume: bool = False
    program: Path | None = None
    init_from: Path | None = None
    data_dir: Path | None = None
    devices_file: Path | None = None
    hardware_aware: HardwareAwareConfig | None = None
    chip_in_the_loop: BackendSpec | None = None
    binary: BinarySynapses | None = None
    spec_overrides: SpecFields = SpecFields()
    plots: bool = True
    progress: bool = True
    device: str = "auto"

    def __post_init__(self) -> None:
        if not isinstance(self.task, str) or not self.task:
            raise RfspinTypeError(f"--task {self.task!r}: must be a task name or a data file path")
        out = _path_or_none(self.out_dir, "out_dir")
        if out is None:
            raise RfspinTypeError("--out: a run folder is needed")
        object.__setattr__(self, "out_dir", out)
        for name in ("program", "init_from", "data_dir", "devices_file"):
            object.__setattr__(self, name, _path_or_none(getattr(self, name), name))
        if self.hidden is not None:
            hidden = tuple(self.hidden) if isinstance(self.hidden, (list, tuple)) else None
            if hidden is None or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
                raise RfspinError(f"--hidden {self.hidden!r}: widths must be integers >= 1")
            object.__setattr__(self, "hidden", hidden)
        if self.epochs is not None:
            _int(self.epochs, "epochs", 0)
        if self.max_shift is not None:
            _int(self.max_shift, "max_shift", 0)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise RfspinError(f"--seed {self.seed!r}: must be an integer")
        for name in ("baseline", "resume", "plots", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise RfspinTypeError(f"RunConfig.{name} = {getattr(self, name)!r}: must be True or False")
        typed = (("hardware_aware", HardwareAwareConfig), ("binary", BinarySynapses),
                 ("chip_in_the_loop", (SimulatorSpec, ReplaySpec, FunctionSpec)), ("spec_overrides", SpecFields))
        for name, cls in typed:
            value = getattr(self, name)
            if value is not None and not isinstance(value, cls):
                raise RfspinTypeError(f"RunConfig.{name}: got a {type(value).__name__}")
        device = self.device
        if not isinstance(device, str) or not (device in _DEVICE_NAMES or
                                               (device.startswith("cuda:") and device[5:].isdigit())):
            raise RfspinError(f"--device {device!r}: expected one of {_DEVICE_NAMES} or 'cuda:N'")
        for first, second, why in INCOMPATIBLE_OPTIONS:
            if _is_set(getattr(self, first)) and _is_set(getattr(self, second)):
                raise RfspinError(f"{FLAGS[first]} cannot be combined with {FLAGS[second]}: {why}")

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (paths as strings, nested configs as dicts, units in the names)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif f.name == "hidden" and value is not None:
                value = list(value)
            elif f.name == "chip_in_the_loop" and value is not None:
                value = backend_spec_to_dict(value)
            elif f.name in ("hardware_aware", "binary", "spec_overrides") and value is not None:
                value = value.to_dict()
            out["max_shift_pixels" if f.name == "max_shift" else f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "RunConfig":
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        data = dict(data)
        if "max_shift_pixels" in data:
            data["max_shift"] = data.pop("max_shift_pixels")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise RfspinError(f"run configuration: unknown keys {sorted(unknown)}")
        if data.get("hidden") is not None:
            data["hidden"] = tuple(data["hidden"])
        converters = {"hardware_aware": HardwareAwareConfig.from_dict, "binary": BinarySynapses.from_dict,
                      "chip_in_the_loop": backend_spec_from_dict, "spec_overrides": SpecFields.from_dict}
        for name, convert in converters.items():
            if data.get(name) is not None:
                data[name] = convert(data[name])
        if data.get("spec_overrides") is None:
            data.pop("spec_overrides", None)
        return cls(**data)
