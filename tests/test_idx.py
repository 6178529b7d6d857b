"""IDX reader: round trips (raw and gzip) and clear errors on malformed files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from rfspin.data.idx import IDX_FILES, load_idx_folder, read_idx


def idx_bytes(arr: np.ndarray, *, type_code: int = 0x08) -> bytes:
    return bytes([0, 0, type_code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write_idx_folder(folder, n_train=12, n_test=6, size=(28, 28), gz=False, seed=0, labels_max=9):
    """A tiny MNIST-like folder with the standard names (deterministic content)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        ("train", "images"): rng.integers(0, 256, (n_train, *size), dtype=np.uint8),
        ("train", "labels"): (np.arange(n_train) % (labels_max + 1)).astype(np.uint8),
        ("test", "images"): rng.integers(0, 256, (n_test, *size), dtype=np.uint8),
        ("test", "labels"): (np.arange(n_test) % (labels_max + 1)).astype(np.uint8),
    }
    for key, arr in arrays.items():
        name = IDX_FILES[key] + (".gz" if gz else "")
        data = idx_bytes(arr)
        (folder / name).write_bytes(gzip.compress(data) if gz else data)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_folder_round_trip(tmp_path, gz):
    arrays = write_idx_folder(tmp_path, gz=gz)
    out = load_idx_folder(tmp_path)
    assert np.array_equal(out["x_train"], arrays[("train", "images")])
    assert np.array_equal(out["y_test"], arrays[("test", "labels")])
    assert out["x_test"].shape == (6, 28, 28) and out["x_train"].dtype == np.uint8


def test_other_image_size_and_mixed_compression(tmp_path):
    write_idx_folder(tmp_path, size=(8, 5))
    path = tmp_path / IDX_FILES[("test", "labels")]
    (tmp_path / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    assert load_idx_folder(tmp_path)["x_train"].shape[1:] == (8, 5)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x00\x01\x08\x01" + struct.pack(">I", 1) + b"\x00", "bad IDX magic"),
        (b"\x00\x00\x08\x09", "bad IDX magic"),
        (b"\x00\x00", "too short"),
        (b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + b"\x00\x00\x00\x00", "not supported"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated IDX header"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x00\x01", "truncated"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"\x00\x01", "too long"),
    ],
)
def test_malformed_files(tmp_path, data, message):
    path = tmp_path / "f-idx1-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_bad_gzip_and_missing(tmp_path):
    bad = tmp_path / "x.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="cannot read"):
        read_idx(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_idx(tmp_path / "nothing")


def test_wrong_dims_count_mismatch_labels_out_of_range(tmp_path):
    write_idx_folder(tmp_path)
    images = tmp_path / IDX_FILES[("train", "images")]
    labels = tmp_path / IDX_FILES[("train", "labels")]
    good_images, good_labels = images.read_bytes(), labels.read_bytes()
    images.write_bytes(idx_bytes(np.zeros((12, 784), np.uint8)))
    with pytest.raises(ValueError, match="2 dimensions in the IDX header, expected 3"):
        load_idx_folder(tmp_path)
    images.write_bytes(good_images)
    labels.write_bytes(idx_bytes(np.zeros(11, np.uint8)))
    with pytest.raises(ValueError, match="12 images but 11 labels"):
        load_idx_folder(tmp_path)
    labels.write_bytes(idx_bytes(np.full(12, 10, np.uint8)))
    with pytest.raises(ValueError, match="label 10 out of range 0..9"):
        load_idx_folder(tmp_path)
    labels.write_bytes(good_labels)
    (tmp_path / IDX_FILES[("test", "images")]).write_bytes(idx_bytes(np.zeros((6, 27, 28), np.uint8)))
    with pytest.raises(ValueError, match="train images are"):
        load_idx_folder(tmp_path)


def test_missing_files_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_idx_folder(tmp_path / "absent")
    write_idx_folder(tmp_path)
    (tmp_path / IDX_FILES[("test", "labels")]).unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_idx_folder(tmp_path)
