"""Checkpoints: atomic torch.save, safe torch.load(weights_only=True), validation, model rebuild.

A loaded checkpoint is validated before anything uses it: size cap, nesting depth (iterative),
then its skeleton (every tensor replaced by ``{"__tensor__": {"dtype", "shape"}}``) against
``rfspin/schemas/checkpoint.json``, then the bookkeeping (epoch within the configured epochs,
one history record per epoch, a CPU generator state that torch accepts), finite model tensors,
the state dict's keys and shapes against the model its record rebuilds (and against ``model``
when given), and the optimizer state against that model's parameters. Pickles with code
(``__reduce__`` payloads) never run: ``weights_only=True`` refuses them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import torch
from torch import nn

from ..errors import RfspinError, RfspinFileNotFoundError, RfspinTypeError
from ..fileio import atomic_write
from ..nn.cnn import RFCNN, CNNSpec, SoftwareCNN
from ..nn.network import NetworkSpec, RFNetwork, SoftwareMLP
from ..nn.protocols import WrapsNetwork
from ..schemas import check_nesting, validate
from ..schemas.semantic import check_checkpoint_bookkeeping

__all__ = [
    "CHECKPOINT_VERSION",
    "MAX_CHECKPOINT_BYTES",
    "save_checkpoint",
    "load_checkpoint",
    "validate_checkpoint",
    "model_from_checkpoint",
    "model_record",
]

CHECKPOINT_VERSION = 1
#: Largest checkpoint file read [bytes].
MAX_CHECKPOINT_BYTES = 4 * 2**30


def save_checkpoint(path: str | Path, payload: dict) -> Path:
    """Atomically write ``payload`` (tensors and plain types only) with a format version."""
    data = {"format_version": CHECKPOINT_VERSION, **payload}
    buf = io.BytesIO()
    torch.save(data, buf)
    return atomic_write(path, lambda f: f.write(buf.getvalue()))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _load_failure(exc: BaseException, what: str) -> RfspinError:
    """A one-line reason for a failed ``torch.load(weights_only=True)`` (never the advice to retry unsafely)."""
    text = " ".join(str(exc).split())
    match = re.search(r"WeightsUnpickler error:\s*(.+?)(?: was not an allowed global| Please| Check the|$)", text)
    if match and "Unsupported global" in match.group(1):
        return RfspinError(f"{what} refers to code or objects other than tensors and plain data "
                           f"({match.group(1).strip()}); refused, nothing from it was run")
    reason = match.group(1).strip() if match else _first_line(exc).split(". ")[0]
    return RfspinError(f"{what} is corrupted or not an rfspin checkpoint ({reason[:160]})")


def load_checkpoint(path: str | Path, *, model: nn.Module | None = None) -> dict:
    """Load and validate a checkpoint written by :func:`save_checkpoint` (see the module docstring).

    ``model``: the network the caller will load the state into; its keys and shapes must match.
    """
    path = Path(path)
    what = f"checkpoint {str(path)!r}"
    if not path.is_file():
        raise RfspinFileNotFoundError(f"{what} does not exist")
    size = path.stat().st_size
    if size > MAX_CHECKPOINT_BYTES:
        raise RfspinError(f"{what} is {size:,} bytes; checkpoints over {MAX_CHECKPOINT_BYTES:,} bytes are refused")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unpickling failure (IndexError, UnpicklingError, BadZipFile ...) = corrupt
        raise _load_failure(exc, what) from None
    validate_checkpoint(data, what, model=model)
    return data


def _skeleton(obj):
    """JSON-like view of a loaded checkpoint: tensors become their dtype and shape (depth already checked)."""
    if isinstance(obj, torch.Tensor):
        return {"__tensor__": {"dtype": str(obj.dtype), "shape": list(obj.shape)}}
    if isinstance(obj, dict):
        return {str(k): _skeleton(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_skeleton(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return {"__object__": type(obj).__name__}


def validate_checkpoint(data, what: str, *, model: nn.Module | None = None) -> nn.Module:
    """Validate a loaded checkpoint (module docstring); return the model its record rebuilds."""
    version = data.get("format_version") if isinstance(data, dict) else type(data).__name__
    if type(version) is not int or version != CHECKPOINT_VERSION:  # a tensor here must not reach "!="
        shown = repr(version) if isinstance(version, (int, str, float, type(None))) else type(version).__name__
        raise RfspinError(f"{what}: format_version {shown} is not supported (expected {CHECKPOINT_VERSION})")
    check_nesting(data, what)
    skeleton = _skeleton(data)
    validate(skeleton, "checkpoint", what)
    check_checkpoint_bookkeeping(skeleton, what)
    if "generator" in data:
        try:
            torch.Generator().set_state(data["generator"])
        except (RuntimeError, TypeError) as exc:
            raise RfspinError(f"{what}: generator = uint8 tensor of shape {tuple(data['generator'].shape)} is not a "
                              f"CPU generator state ({_first_line(exc)})") from None
    state = data["model"]["state"]
    for key, tensor in state.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise RfspinError(f"{what}: model.state[{key!r}] contains NaN or inf")
    rebuilt = model_from_checkpoint(data["model"], what=what)
    if model is not None:
        _check_state_fits(model.state_dict(), state, what)
    if data.get("optimizer") is not None:
        _check_optimizer(data["optimizer"], list(rebuilt.parameters()), what)
    return rebuilt


def _check_state_fits(expected: dict, state: dict, what: str) -> None:
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise RfspinError(f"{what}: model state does not fit this network (missing {missing[:5]}, "
                          f"unexpected {unexpected[:5]})")
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise RfspinError(f"{what}: model.state[{key!r}] has shape {tuple(tensor.shape)}, this network needs "
                              f"{tuple(expected[key].shape)}")


def _check_optimizer(optimizer: dict, params: list, what: str) -> None:
    indices = [i for group in optimizer["param_groups"] for i in group["params"]]
    if sorted(indices) != list(range(len(params))):
        raise RfspinError(f"{what}: optimizer.param_groups list parameters {sorted(indices)[:8]}..., "
                          f"the model has {len(params)} parameters")
    for index, entry in optimizer["state"].items():
        if not isinstance(index, int) or not 0 <= index < len(params):
            raise RfspinError(f"{what}: optimizer.state has an entry for parameter {index!r}, "
                              f"the model has {len(params)}")
        if not isinstance(entry, dict):
            raise RfspinError(f"{what}: optimizer.state[{index}] is a {type(entry).__name__}, expected a dict "
                              "of per-parameter tensors")
        for name, value in entry.items():
            if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != params[index].shape:
                raise RfspinError(f"{what}: optimizer.state[{index}][{name!r}] has shape {tuple(value.shape)}, "
                                  f"parameter {index} has {tuple(params[index].shape)}")
            if isinstance(value, torch.Tensor) and value.is_floating_point() and not bool(torch.isfinite(value).all()):
                raise RfspinError(f"{what}: optimizer.state[{index}][{name!r}] contains NaN or inf")


def model_record(model: nn.Module) -> dict:
    """What a checkpoint needs to rebuild ``model``: its kind, structure and state."""
    if isinstance(model, WrapsNetwork):  # training view (hardware-aware, chip-in-the-loop, chip instance)
        model = model.network
    if isinstance(model, RFNetwork):
        return {"kind": "rf", "spec": model.spec.to_dict(), "state": model.state_dict()}
    if isinstance(model, SoftwareMLP):
        return {"kind": "software", "sizes": list(model.sizes), "state": model.state_dict()}
    if isinstance(model, (RFCNN, SoftwareCNN)):
        kind = "rf_cnn" if isinstance(model, RFCNN) else "software_cnn"
        return {"kind": kind, "spec": model.spec.to_dict(), "state": model.state_dict()}
    raise RfspinTypeError(
        f"cannot checkpoint a {type(model).__name__}; expected RFNetwork, SoftwareMLP, RFCNN or SoftwareCNN"
    )


def model_from_checkpoint(record: dict, *, what: str = "checkpoint") -> nn.Module:
    """Rebuild the model of a :func:`model_record`; RfspinError when the state does not fit."""
    kind = record.get("kind") if isinstance(record, dict) else None
    if kind == "rf":
        model: nn.Module = RFNetwork(NetworkSpec.from_dict(record["spec"]))
    elif kind == "software":
        model = SoftwareMLP(tuple(record["sizes"]))
    elif kind in ("rf_cnn", "software_cnn"):
        model = (RFCNN if kind == "rf_cnn" else SoftwareCNN)(CNNSpec.from_dict(record["spec"]))
    else:
        raise RfspinError(f"{what}: model kind {kind!r}: expected 'rf', 'software', 'rf_cnn' or 'software_cnn'")
    _check_state_fits(model.state_dict(), record["state"], what)
    model.load_state_dict(record["state"])
    return model
