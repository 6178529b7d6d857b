"""The mnist tasks end to end, in-process, on a tiny IDX folder made here (not MNIST)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from test_idx import write_idx_folder

from rfspin.cli.main import main
from rfspin.nn.cnn import RFCNN, SoftwareCNN
from rfspin.tasks import TASKS, build_network_for, load_run_model
from rfspin.tasks.mnist import MNIST_DIR_ENV, load_mnist
from rfspin.tasks.reproduce import STUDIES
from rfspin.train.checkpoint import load_checkpoint, model_from_checkpoint


@pytest.fixture
def idx_dir(tmp_path):
    folder = tmp_path / "idx"
    write_idx_folder(folder, n_train=20, n_test=10, gz=True)
    return folder


def test_load_encodes_pixels_as_normalised_powers(idx_dir):
    data = load_mnist(0, idx_dir)
    assert data.x_train.shape == (20, 784) and data.x_test.shape == (10, 784)
    assert float(data.x_train.max()) <= 1.0 and float(data.x_train.min()) >= 0.0
    assert data.image_shape == (1, 28, 28)
    assert data.n_classes == 10


def test_missing_data_dir_names_the_files(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(MNIST_DIR_ENV, raising=False)
    assert main(["train", "--task", "mnist", "--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--data-dir" in err and "train-images-idx3-ubyte" in err and "t10k-labels-idx1-ubyte" in err
    assert main(["train", "--task", "mnist", "--data-dir", str(tmp_path / "nope"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cnn_train_evaluate_and_checkpoints(idx_dir, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--task", "mnist-cnn", "--data-dir", str(idx_dir), "--epochs", "1", "--baseline",
            "--out", str(out), "--quiet"]
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"] == [784, 16 * 12 * 12, 32 * 4 * 4, 100, 10]
    assert metrics["n_neurons"] == 784 + 16 * 144 + 32 * 16 + 100
    assert metrics["n_synapses"] == 16 * 25 + 32 * 400 + 100 * 512 + 10 * 100
    assert metrics["train_config"]["max_shift"] == 2  # the task trains on shifted images
    assert isinstance(load_run_model(out), RFCNN)
    assert (out / "learning_curves.png").is_file() and (out / "resonance_frequencies.png").is_file()
    baseline = model_from_checkpoint(load_checkpoint(out / "baseline.pt")["model"])
    assert isinstance(baseline, SoftwareCNN)
    capsys.readouterr()
    assert main(["evaluate", str(out)]) == 0  # reloads the CNN, reproduces the stored accuracy
    assert "identical" in capsys.readouterr().out


def test_mlp_task_shape(idx_dir):
    task = TASKS["mnist"]
    assert task.hidden == (300,)
    model = build_network_for(task, load_mnist(0, idx_dir), task.hidden, 0)
    assert model.spec.sizes == (784, 300, 10)
    assert (model.n_neurons, model.n_synapses) == (1084, 300 * 784 + 10 * 300)  # the lecture's 1,084 and 238 k


def test_reproduce_study_writes_the_table(idx_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(MNIST_DIR_ENV, str(idx_dir))
    # A narrow hidden layer keeps this fast; the 784-300-10 shape is checked above.
    monkeypatch.setitem(TASKS, "mnist", replace(TASKS["mnist"], hidden=(8,)))
    out = tmp_path / "rep"
    result = STUDIES["leroux2022"](out, seeds=1, epochs=1, progress=False)
    table = (out / "table.md").read_text()
    assert "mnist 784-8-10" in table and "mnist-cnn 784-2304-512-100-10" in table
    assert len(result["rows"]) == 2
    # A second call resumes the finished runs instead of retraining them.
    stamp = (out / "mnist-seed0" / "checkpoint.pt").stat().st_mtime_ns
    STUDIES["leroux2022"](out, seeds=1, epochs=1, progress=False)
    assert (out / "mnist-seed0" / "checkpoint.pt").stat().st_mtime_ns >= stamp


def test_cnn_logits_are_voltages_over_readout(idx_dir):
    data = load_mnist(0, idx_dir)
    model = TASKS["mnist-cnn"].build(data, (), 0)
    x = data.x_test[:3]
    torch.testing.assert_close(model.logits(x), model(x) / model.readout_scale)


def test_max_shift_override_reaches_rf_and_baseline(idx_dir, tmp_path):
    out = tmp_path / "mlp"
    assert TASKS["mnist"].rf_config.max_shift == 1 == TASKS["mnist"].baseline_config.max_shift
    assert main(["train", "--task", "mnist", "--data-dir", str(idx_dir), "--hidden", "8", "--epochs", "1",
                 "--max-shift", "3", "--baseline", "--out", str(out), "--quiet", "--no-plots"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_config"]["max_shift"] == 3 == metrics["baseline_train_config"]["max_shift"]
