"""Choosing the torch device a computation runs on.

``resolve_device("auto")`` is CUDA when a GPU is visible, else the CPU; ``"cpu"``, ``"cuda"``,
``"cuda:N"`` and :class:`torch.device` objects are taken as they are, after checking that the
device exists (a clear :class:`~rfspin.errors.RfspinError` instead of a CUDA driver traceback).

Random draws go through :func:`random_normal` / :func:`random_uniform`: they draw on the
generator's own device and hand the result to the device that computes with it, so any
``torch.Generator`` (CPU or CUDA) works with tensors anywhere.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .errors import RfspinError

__all__ = [
    "DEVICE_CHOICES",
    "make_generator",
    "module_device",
    "random_normal",
    "random_uniform",
    "resolve_device",
]

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


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of a module's first parameter (or buffer); the CPU for a module without tensors."""
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")


def make_generator(device: torch.device | str, seed: int) -> torch.Generator:
    """A seeded ``torch.Generator`` on ``device`` (draws on a GPU then stay on the GPU)."""
    return torch.Generator(device=torch.device(device)).manual_seed(int(seed))


def _source(generator: torch.Generator | None, device) -> torch.device | None:
    return generator.device if generator is not None else device


def random_normal(shape, generator: torch.Generator | None, *, dtype: torch.dtype = torch.float32,
                  device: torch.device | str | None = None) -> Tensor:
    """Standard normal draws of ``shape`` from ``generator`` (on its device), returned on ``device``.

    Drawing where the generator lives keeps a seed's draws the same whatever device computes with
    them; the copy is skipped when both are the same device.
    """
    x = torch.randn(shape, generator=generator, dtype=dtype, device=_source(generator, device))
    return x if device is None else x.to(device)


def random_uniform(shape, generator: torch.Generator | None, *, dtype: torch.dtype = torch.float32,
                   device: torch.device | str | None = None) -> Tensor:
    """Uniform [0, 1) draws of ``shape`` from ``generator`` (on its device), returned on ``device``."""
    x = torch.rand(shape, generator=generator, dtype=dtype, device=_source(generator, device))
    return x if device is None else x.to(device)
