"""Data sets: the shipped drone file, digits, non-linear 2-D tasks, user files and their errors."""

import numpy as np
import pytest
import torch

from rfspin.data import DRONE_CLASSES, load_digits, load_drone, load_nonlinear2d, load_spectra_file


def test_drone_shipped_with_its_real_shape():
    ds = load_drone()
    assert ds.x_train.shape == (702, 256) and ds.x_test.shape == (298, 256)
    assert ds.class_names == DRONE_CLASSES
    assert torch.bincount(ds.y_train).tolist() == [72, 68, 77, 68, 73, 66, 64, 73, 73, 68]
    assert float(ds.x_train.min()) >= 0 and float(ds.x_train.max()) <= 1
    assert ds.input_frequencies[0].item() == 20e6 and ds.input_frequencies[-1].item() == 120e6
    assert "CC BY 4.0" in ds.source


def test_digits_held_out_split_is_stratified_and_disjoint():
    ds = load_digits()
    assert ds.n_features == 64 and ds.n_classes == 10
    assert len(ds.y_train) + len(ds.y_test) == 1797
    frac = torch.bincount(ds.y_test, minlength=10).float() / torch.bincount(
        torch.cat([ds.y_train, ds.y_test]), minlength=10).float()
    assert float((frac - 0.3).abs().max()) < 0.02
    assert float(ds.x_train.max()) <= 1.0


@pytest.mark.parametrize("kind", ["moons", "spirals"])
def test_nonlinear2d_two_tones_in_unit_range(kind):
    ds = load_nonlinear2d(kind, n_samples=200)
    assert ds.n_features == 2 and ds.n_classes == 2
    assert float(ds.x_train.min()) >= 0 and float(ds.x_train.max()) <= 1
    assert float(ds.x_test.min()) >= 0


def test_user_npz_with_and_without_test_split(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(40, 5))
    y = np.arange(40) % 2
    np.savez(tmp_path / "a.npz", X=x, y=y, freqs_hz=np.linspace(30e6, 60e6, 5))
    ds = load_spectra_file(tmp_path / "a.npz")
    assert ds.n_features == 5 and len(ds.y_train) + len(ds.y_test) == 40
    assert ds.input_frequencies.tolist()[0] == 30e6
    np.savez(tmp_path / "b.npz", X=x, y=y, X_test=x[:4], y_test=y[:4])
    assert len(load_spectra_file(tmp_path / "b.npz").y_test) == 4


def test_user_h5_with_drone_keys(tmp_path):
    import h5py

    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["X_train"] = np.random.default_rng(0).uniform(size=(20, 4))
        f["Y_train"] = np.arange(20) % 3
        f["X_test"] = np.random.default_rng(1).uniform(size=(6, 4))
        f["Y_test"] = np.arange(6) % 3
    ds = load_spectra_file(tmp_path / "d.h5")
    assert ds.n_classes == 3 and ds.x_test.shape == (6, 4)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"X": np.ones((4, 3))}, "needs keys"),
        ({"X": np.full((4, 3), np.nan), "y": np.arange(4) % 2}, "NaN or inf"),
        ({"X": -np.ones((4, 3)), "y": np.arange(4) % 2}, "must be >= 0"),
        ({"X": np.ones(4), "y": np.arange(4) % 2}, "must be 2-D"),
        ({"X": np.ones((4, 3)), "y": np.array([0.5, 1, 0, 1])}, "integers"),
        ({"X": np.ones((4, 3)), "y": np.arange(4) % 2, "X_test": np.ones((2, 3))}, "both X_test and y_test"),
    ],
)
def test_bad_user_files(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        load_spectra_file(tmp_path / "bad.npz")


def test_missing_corrupted_and_unsupported_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_spectra_file(tmp_path / "none.npz")
    (tmp_path / "c.npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_spectra_file(tmp_path / "c.npz")
    (tmp_path / "c.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        load_spectra_file(tmp_path / "c.h5")
    (tmp_path / "c.txt").write_text("1,2")
    with pytest.raises(ValueError, match="unsupported"):
        load_spectra_file(tmp_path / "c.txt")
