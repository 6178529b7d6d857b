"""Checkpoints: atomic torch.save, safe torch.load(weights_only=True), model rebuild."""

from __future__ import annotations

import io
from pathlib import Path

import torch
from torch import nn

from ..errors import RfspinError, RfspinFileNotFoundError, RfspinTypeError
from ..fileio import atomic_write
from ..nn.cnn import RFCNN, CNNSpec, SoftwareCNN
from ..nn.network import NetworkSpec, RFNetwork, SoftwareMLP
from ..nn.protocols import WrapsNetwork

__all__ = ["CHECKPOINT_VERSION", "save_checkpoint", "load_checkpoint", "model_from_checkpoint", "model_record"]

CHECKPOINT_VERSION = 1


def save_checkpoint(path: str | Path, payload: dict) -> Path:
    """Atomically write ``payload`` (tensors and plain types only) with a format version."""
    data = {"format_version": CHECKPOINT_VERSION, **payload}
    buf = io.BytesIO()
    torch.save(data, buf)
    return atomic_write(path, lambda f: f.write(buf.getvalue()))


def load_checkpoint(path: str | Path) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint`; clear errors when missing/corrupt."""
    path = Path(path)
    if not path.is_file():
        raise RfspinFileNotFoundError(f"checkpoint {str(path)!r} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unpickling failure (IndexError, UnpicklingError, BadZipFile ...) = corrupt
        raise RfspinError(f"checkpoint {str(path)!r} is corrupted or not an rfspin checkpoint ({exc})") from exc
    if not isinstance(data, dict) or data.get("format_version") != CHECKPOINT_VERSION:
        version = data.get("format_version") if isinstance(data, dict) else None
        raise RfspinError(
            f"checkpoint {str(path)!r}: format_version {version!r} is not supported (expected {CHECKPOINT_VERSION})"
        )
    return data


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
    raise RfspinTypeError(f"cannot checkpoint a {type(model).__name__}; expected RFNetwork, SoftwareMLP, RFCNN or SoftwareCNN")


def model_from_checkpoint(record: dict) -> nn.Module:
    """Rebuild the model of a :func:`model_record`."""
    kind = record.get("kind")
    if kind == "rf":
        model: nn.Module = RFNetwork(NetworkSpec.from_dict(record["spec"]))
    elif kind == "software":
        model = SoftwareMLP(tuple(record["sizes"]))
    elif kind in ("rf_cnn", "software_cnn"):
        model = (RFCNN if kind == "rf_cnn" else SoftwareCNN)(CNNSpec.from_dict(record["spec"]))
    else:
        raise RfspinError(f"checkpoint model kind {kind!r}: expected 'rf', 'software', 'rf_cnn' or 'software_cnn'")
    model.load_state_dict(record["state"])
    return model
