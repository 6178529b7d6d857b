"""Adapter backend: calls a user function that drives the lab set-up.

The function receives the chip program (a JSON-ready dict) and the inputs as a NumPy array and
returns the measured output voltages, or ``(outputs, intermediates)``::

    def measure_chip(program: dict, inputs: np.ndarray) -> np.ndarray:   # (B, I) -> (B, n_out) [V]
        ...
    backend = FunctionBackend(measure_chip)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from ..errors import RfspinError, RfspinTypeError
from .protocol import Measurement, check_measurement

__all__ = ["FunctionBackend"]


class FunctionBackend:
    """Wraps ``function(program, inputs_np) -> outputs | (outputs, intermediates)``."""

    def __init__(self, function: Callable, *, name: str | None = None) -> None:
        if not callable(function):
            raise RfspinTypeError(f"FunctionBackend needs a callable, got {type(function).__name__}")
        self.function = function
        self.name = name or getattr(function, "__qualname__", repr(function))

    def __repr__(self) -> str:
        return f"FunctionBackend({self.name})"

    def measure(self, program: dict, inputs: Tensor, *, intermediates: bool = False) -> Measurement:
        x = torch.as_tensor(inputs).detach().cpu().numpy().astype(np.float64)
        answer = self.function(program, x)
        if isinstance(answer, tuple):
            if len(answer) != 2:
                raise RfspinError(f"{self.name}: returned a tuple of {len(answer)}; expected (outputs, intermediates)")
            outputs, inter = answer
        else:
            outputs, inter = answer, None
        where = f"backend function {self.name}"
        try:
            outputs = torch.as_tensor(np.asarray(outputs, dtype=np.float64))
            inter = None if inter is None else [torch.as_tensor(np.asarray(v, dtype=np.float64)) for v in inter]
        except (TypeError, ValueError) as exc:
            raise RfspinError(f"{where}: outputs are not numeric arrays ({exc})") from exc
        m = check_measurement(Measurement(outputs, inter), program, x.shape[0], where)
        return m if intermediates else Measurement(m.outputs_v, None)
