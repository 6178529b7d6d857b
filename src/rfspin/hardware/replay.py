"""Replay backend: answers from measurements recorded in a folder (lab data, or a recording).

Folder layout (CSV, one header row, one row per input sample, SI units):

    program.json          the chip program the chip was measured with (optional but checked)
    inputs.csv            in_0, ..., in_{I-1}: normalised input powers
    outputs_v.csv         out_0, ..., out_{n-1}: output chain voltages [V]
    hidden_L_v.csv        (optional) chain voltages of hidden resonator layer L = 0, 1, ... [V]

:func:`record_measurements` writes such a folder from any backend. A replay backend answers only
for the recorded program and recorded input rows (matched to 1e-6); anything else is an error,
so it evaluates a programmed chip but cannot drive chip-in-the-loop training.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..calibration.csvio import read_table
from ..errors import RfspinError, RfspinFileNotFoundError
from ..fileio import atomic_write_json, atomic_write_text
from ..program.chip_program import read_program
from .protocol import HardwareBackend, Measurement, check_measurement, program_sizes

__all__ = ["ReplayBackend", "record_measurements"]

_MATCH_TOLERANCE = 1e-6


def _csv(matrix: np.ndarray, prefix: str) -> str:
    header = ",".join(f"{prefix}_{i}" for i in range(matrix.shape[1]))
    return header + "\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in matrix) + "\n"


def record_measurements(backend: HardwareBackend, program: dict, inputs: Tensor, folder: str | Path,
                        *, intermediates: bool = False) -> Path:
    """Measure ``inputs`` on ``backend`` and write a replay folder (atomic files)."""
    folder = Path(folder)
    m = check_measurement(backend.measure(program, inputs, intermediates=intermediates), program,
                          inputs.shape[0], repr(backend))
    atomic_write_json(folder / "program.json", program)
    atomic_write_text(folder / "inputs.csv", _csv(np.asarray(inputs, dtype=np.float64), "in"))
    atomic_write_text(folder / "outputs_v.csv", _csv(m.outputs_v.double().numpy(), "out"))
    for layer, v in enumerate(m.intermediates or []):
        atomic_write_text(folder / f"hidden_{layer}_v.csv", _csv(v.double().numpy(), "v"))
    return folder


def _same_program(a: dict, b: dict) -> bool:
    if a.get("sizes") != b.get("sizes") or len(a.get("layers", [])) != len(b.get("layers", [])):
        return False
    for la, lb in zip(a["layers"], b["layers"]):
        for key in ("resonance_frequency_hz", "bias_voltage_v", "frequency_hz"):
            if (key in la) != (key in lb):
                return False
            if key in la and not np.allclose(la[key], lb[key], rtol=1e-9, atol=0.0):
                return False
    return True


class ReplayBackend:
    """Recorded measurements in ``folder``; implements HardwareBackend."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise RfspinFileNotFoundError(f"replay folder {str(self.folder)!r} does not exist")
        program_path = self.folder / "program.json"
        self.program = read_program(program_path) if program_path.is_file() else None
        _, self.inputs = read_table(self.folder / "inputs.csv")
        _, self.outputs = read_table(self.folder / "outputs_v.csv")
        if self.inputs.shape[0] != self.outputs.shape[0]:
            raise RfspinError(f"{self.folder}: inputs.csv has {self.inputs.shape[0]} rows, "
                             f"outputs_v.csv {self.outputs.shape[0]}")
        self.hidden = []
        while (path := self.folder / f"hidden_{len(self.hidden)}_v.csv").is_file():
            _, values = read_table(path)
            if values.shape[0] != self.inputs.shape[0]:
                raise RfspinError(f"{path}: {values.shape[0]} rows, inputs.csv has {self.inputs.shape[0]}")
            self.hidden.append(values)

    def __repr__(self) -> str:
        return f"ReplayBackend({str(self.folder)!r})"

    def measure(self, program: dict, inputs: Tensor, *, intermediates: bool = False) -> Measurement:
        sizes = program_sizes(program)
        if self.program is not None and not _same_program(program, self.program):
            raise RfspinError(f"{self}: the requested program differs from the recorded one ({self.folder}/program.json); "
                             "a replay can only answer for the program it recorded")
        x = torch.as_tensor(inputs).detach().double().cpu().numpy()
        if x.ndim != 2 or x.shape[1] != self.inputs.shape[1] or x.shape[1] != sizes[0]:
            raise RfspinError(f"{self}: inputs of shape {x.shape}; the recording has {self.inputs.shape[1]} inputs")
        dist = torch.cdist(torch.from_numpy(x), torch.from_numpy(self.inputs))
        best = dist.min(dim=1)
        missing = torch.nonzero(best.values > _MATCH_TOLERANCE).flatten()
        if missing.numel():
            raise RfspinError(f"{self}: input row {int(missing[0])} (and {missing.numel() - 1} more) was not recorded")
        rows = best.indices.numpy()
        inter = [torch.from_numpy(h[rows]) for h in self.hidden] if intermediates and self.hidden else None
        return check_measurement(Measurement(torch.from_numpy(self.outputs[rows]), inter), program, x.shape[0], repr(self))
