"""The lecture-scale RF CNN: device counts against the lecture, the task end to end on tiny IDX data."""

from __future__ import annotations

import json

import pytest
import torch
from test_idx import write_idx_folder

from rfspin.cli.main import main
from rfspin.energy import count_totals, network_counts
from rfspin.nn.cnn import LECTURE_CNN_COUNTS, LECTURE_CNN_SPEC, RFCNN, SoftwareCNN
from rfspin.tasks import TASKS, load_run_model
from rfspin.tasks.mnist import lecture_cnn_spec, load_mnist


@pytest.fixture
def idx_dir(tmp_path):
    folder = tmp_path / "idx"
    write_idx_folder(folder, n_train=12, n_test=6, gz=False)
    return folder


def test_counts_meet_the_lecture_within_one_percent():
    model = RFCNN(LECTURE_CNN_SPEC, generator=torch.Generator().manual_seed(0))
    # conv 24@3x3 pad 2 (30x30) -> pool 2 (15x15); conv 48@5x5 pad 2 (15x15) -> pool 2 (7x7); 10 chains
    assert LECTURE_CNN_SPEC.sizes == (784, 24 * 15 * 15, 48 * 7 * 7, 10)
    assert model.n_neurons == 784 + 24 * 15 * 15 + 48 * 7 * 7 == 8_536
    assert model.n_synapses == 24 * 9 * 30 * 30 + 48 * (24 * 25) * 15 * 15 + 48 * 7 * 7 * 10 == 6_697_920
    assert abs(model.n_neurons / LECTURE_CNN_COUNTS["neurons"] - 1) < 0.01
    assert abs(model.n_synapses / LECTURE_CNN_COUNTS["synapses"] - 1) < 0.01
    totals = count_totals(network_counts(model))  # what the energy estimate counts: the same devices
    assert (totals.n_synapses, totals.n_neurons) == (model.n_synapses, model.n_neurons)


def test_lecture_network_forward_is_finite():
    model = RFCNN(LECTURE_CNN_SPEC, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = model(torch.rand(2, 784, generator=torch.Generator().manual_seed(1)))
    assert out.shape == (2, 10) and bool(torch.isfinite(out).all())


@pytest.mark.slow  # ~10 s on 2 idle cores (a 6.7 M-resonator network); the forward above is the fast check
def test_lecture_task_trains_one_epoch_and_reloads(idx_dir, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--task", "mnist-lecture", "--data-dir", str(idx_dir), "--epochs", "1", "--out", str(out),
                 "--quiet", "--no-plots", "--device", "cpu"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"] == [784, 5400, 2352, 10]
    assert metrics["n_neurons"] == 8_536 and metrics["n_synapses"] == 6_697_920
    assert len(metrics["history"]) == 1 and 0.0 <= metrics["test_accuracy"] <= 1.0
    model = load_run_model(out)
    assert isinstance(model, RFCNN) and model.spec.convs == LECTURE_CNN_SPEC.convs
    capsys.readouterr()


def test_lecture_task_registration_and_software_twin(idx_dir):
    task = TASKS["mnist-lecture"]
    data = load_mnist(0, idx_dir)
    assert lecture_cnn_spec(data).encoding == "parallel"
    twin = task.build_baseline(data, task.hidden, 0)
    assert isinstance(twin, SoftwareCNN)
    assert twin(data.x_test[:3]).shape == (3, 10)
    # the twin has the same feature maps: one conv weight per kernel element of each RF chain
    assert [tuple(c.weight.shape) for c in twin.convs] == [(24, 1, 3, 3), (48, 24, 5, 5)]
