"""Choosing the torch device a computation runs on.

``resolve_device("auto")`` is CUDA when a GPU is visible, else the CPU; ``"cpu"``, ``"cuda"``,
``"cuda:N"`` and :class:`torch.device` objects are taken as they are, after checking that the
device exists (a clear :class:`~rfspin.errors.RfspinError` instead of a CUDA driver traceback).
"""

from __future__ import annotations

import torch

from .errors import RfspinError

__all__ = ["DEVICE_CHOICES", "resolve_device"]

#: What ``--device`` accepts on the command line (``cuda:N`` is accepted too).
DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """The torch.device for ``device`` ("auto" | "cpu" | "cuda" | "cuda:N" | torch.device | None = auto)."""
    if device is None or (isinstance(device, str) and device == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise RfspinError(f"device {device!r}: expected one of {DEVICE_CHOICES} or 'cuda:N'") from exc
    if dev.type == "cpu":
        return dev
    if dev.type != "cuda":
        raise RfspinError(f"device {device!r}: only CPU and CUDA are supported ({DEVICE_CHOICES})")
    if not torch.cuda.is_available():
        raise RfspinError(f"device {device!r}: no CUDA GPU is visible to torch; use --device cpu or auto")
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        raise RfspinError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) visible")
    return dev
