"""IDX files (the MNIST format), gzip-compressed or raw, from any folder.

IDX layout (LeCun et al., http://yann.lecun.com/exdb/mnist/): a big-endian header
``0x00 0x00 <type code> <n dims>``, then ``n dims`` big-endian uint32 sizes, then the data in
C order. Only unsigned bytes (type 0x08) are used by MNIST-like sets and read here.

A data set folder holds four files with the standard names (each raw or with ``.gz``):
``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``; images are (N, rows, cols) uint8, labels (N,) uint8. Any data set in
that format works (MNIST, Fashion-MNIST, KMNIST, EMNIST splits with their own class count).
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from ..errors import RfspinError, RfspinFileNotFoundError

__all__ = ["IDX_FILES", "read_idx", "find_idx_file", "load_idx_folder"]

#: Standard file stems of an MNIST-like folder, keyed (split, part).
IDX_FILES = {
    ("train", "images"): "train-images-idx3-ubyte",
    ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte",
    ("test", "labels"): "t10k-labels-idx1-ubyte",
}

_UBYTE = 0x08
_MAX_DIMS = 4
#: Largest IDX content read (after gunzip) [bytes]; MNIST's training images are 47 MB.
MAX_IDX_BYTES = 2**31


def _read_bytes(path: Path) -> bytes:
    """The (decompressed) content, refusing more than MAX_IDX_BYTES (a gzip bomb) without reading it all."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read(MAX_IDX_BYTES + 1)
        else:
            if path.stat().st_size > MAX_IDX_BYTES:
                size = path.stat().st_size
                raise RfspinError(f"{path}: {size:,} bytes; IDX files over {MAX_IDX_BYTES:,} bytes are refused")
            raw = path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise RfspinError(f"{path}: cannot read ({exc})") from exc
    if len(raw) > MAX_IDX_BYTES:
        raise RfspinError(f"{path}: decompresses to more than {MAX_IDX_BYTES:,} bytes; refused")
    return raw


def read_idx(path: str | Path, *, expected_dims: int | None = None) -> np.ndarray:
    """The uint8 array stored in an IDX file (raw, or gzip if the name ends in ``.gz``).

    Raises ValueError naming the file on a bad magic number, an unsupported type, a wrong number
    of dimensions (``expected_dims``), or a data length that does not match the header.
    """
    path = Path(path)
    if not path.is_file():
        raise RfspinFileNotFoundError(f"IDX file {str(path)!r} does not exist")
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise RfspinError(f"{path}: {len(raw)} bytes, too short for an IDX header (4-byte magic)")
    zero0, zero1, type_code, n_dims = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0 or n_dims < 1 or n_dims > _MAX_DIMS:
        raise RfspinError(
            f"{path}: bad IDX magic number 0x{raw[:4].hex()} (expected 0x0000TTDD with 1 <= DD <= {_MAX_DIMS})"
        )
    if type_code != _UBYTE:
        raise RfspinError(f"{path}: IDX data type 0x{type_code:02x} not supported (only 0x08, unsigned byte)")
    if expected_dims is not None and n_dims != expected_dims:
        raise RfspinError(f"{path}: {n_dims} dimensions in the IDX header, expected {expected_dims}")
    header = 4 + 4 * n_dims
    if len(raw) < header:
        raise RfspinError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header})")
    shape = struct.unpack(f">{n_dims}I", raw[4:header])
    n_data = math.prod(shape)
    if len(raw) - header != n_data:
        state = "truncated" if len(raw) - header < n_data else "too long"
        raise RfspinError(
            f"{path}: {state}: header shape {shape} needs {n_data} data bytes, file has {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def find_idx_file(folder: Path, stem: str) -> Path:
    """``folder/stem`` or ``folder/stem.gz``; FileNotFoundError naming both if neither exists."""
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise RfspinFileNotFoundError(f"{folder}: no {stem!r} or {stem + '.gz'!r}")


def load_idx_folder(folder: str | Path, *, n_classes: int = 10) -> dict[str, np.ndarray]:
    """Images and labels of an MNIST-like folder: keys x_train, y_train, x_test, y_test.

    Images are (N, rows, cols) uint8, labels (N,) uint8 in 0..n_classes-1; both splits must have
    the same image size.
    """
    folder = Path(folder)
    expected = ", ".join(f"{s}[.gz]" for s in IDX_FILES.values())
    if not folder.is_dir():
        raise RfspinFileNotFoundError(f"data folder {str(folder)!r} does not exist; it must hold {expected}")
    try:
        paths = {key: find_idx_file(folder, stem) for key, stem in IDX_FILES.items()}
    except FileNotFoundError as exc:
        raise RfspinFileNotFoundError(f"{exc}; an IDX data folder must hold {expected}") from None
    out: dict[str, np.ndarray] = {}
    for split in ("train", "test"):
        images = read_idx(paths[(split, "images")], expected_dims=3)
        labels = read_idx(paths[(split, "labels")], expected_dims=1)
        if images.shape[0] != labels.shape[0]:
            raise RfspinError(
                f"{folder}: {split} split has {images.shape[0]} images but {labels.shape[0]} labels"
            )
        if images.shape[0] == 0:
            raise RfspinError(f"{folder}: the {split} split is empty")
        if labels.size and int(labels.max()) >= n_classes:
            raise RfspinError(
                f"{paths[(split, 'labels')]}: label {int(labels.max())} out of range 0..{n_classes - 1}"
            )
        if split == "train" and np.unique(labels).size < 2:
            raise RfspinError(f"{paths[(split, 'labels')]}: every training label is {int(labels[0])}; "
                              "a classifier needs at least 2 classes")
        out[f"x_{split}"], out[f"y_{split}"] = images, labels
    if out["x_train"].shape[1:] != out["x_test"].shape[1:]:
        raise RfspinError(
            f"{folder}: train images are {out['x_train'].shape[1:]}, test images {out['x_test'].shape[1:]}"
        )
    return out
