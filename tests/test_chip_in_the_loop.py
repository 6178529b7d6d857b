"""Chip-in-the-loop: the autograd function, twin re-calibration, training on a hidden chip, CLI."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from rfspin.cli.main import main
from rfspin.hardware import SimulatorBackend, hidden_chip_nonidealities
from rfspin.nn.network import build_rf_network
from rfspin.program import export_program
from rfspin.tasks.registry import TASKS
from rfspin.train import TrainConfig, evaluate_accuracy, train
from rfspin.train.chip_in_the_loop import ChipInTheLoop, HardwareForward, twin_forward


def _grads(model, loss):
    params = [p for p in model.parameters()]
    return torch.autograd.grad(loss, params)


@pytest.mark.parametrize("use_intermediates", [True, False])
def test_gradient_equals_the_twins_when_the_backend_is_the_twin(use_intermediates, devices):
    net = build_rf_network((6, 5, 3), seed=2, init_detuning=2.0).to(devices)
    x = torch.rand(12, 6, generator=torch.Generator().manual_seed(0)).to(devices)
    y = torch.randint(0, 3, (12,), generator=torch.Generator().manual_seed(1)).to(devices)
    loop = ChipInTheLoop(net, SimulatorBackend(hidden_chip_nonidealities(0, 0, 0)), use_intermediates=use_intermediates)
    measured = loop.logits(x)
    direct = net.logits(x)
    assert torch.allclose(measured, direct, rtol=1e-5, atol=1e-6)
    g_loop = _grads(net, F.cross_entropy(measured, y))
    g_twin = _grads(net, F.cross_entropy(direct, y))
    for a, b in zip(g_loop, g_twin):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-8 * b.abs().max())
    assert any(float(g.abs().max()) > 0 for g in g_loop)


def test_value_is_measured_and_gradient_is_the_twins_on_a_non_ideal_chip():
    net = build_rf_network((6, 5, 3), seed=2)
    x = torch.rand(8, 6, generator=torch.Generator().manual_seed(0))
    backend = SimulatorBackend(hidden_chip_nonidealities(0.01, 0.05, 0.0), seed=4)
    loop = ChipInTheLoop(net, backend, use_intermediates=False)
    out = loop(x)
    assert torch.allclose(out, SimulatorBackend(hidden_chip_nonidealities(0.01, 0.05, 0.0), seed=4)
                          .measure(export_program(net), x).outputs_v)
    w = torch.randn(out.shape, generator=torch.Generator().manual_seed(3))
    g_loop = _grads(net, (out * w).sum())
    g_twin = _grads(net, (twin_forward(net, x) * w).sum())
    for a, b in zip(g_loop, g_twin):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-12)


def test_hardware_forward_needs_parameters_to_route_gradients():
    net = build_rf_network((4, 2), seed=0)
    loop = ChipInTheLoop(net, SimulatorBackend(hidden_chip_nonidealities(0, 0, 0)))
    x = torch.rand(3, 4, generator=torch.Generator().manual_seed(0))
    out = HardwareForward.apply(loop, x, *net.parameters())
    assert out.requires_grad and out.shape == (3, 2)
    with pytest.raises(TypeError):
        ChipInTheLoop(torch.nn.Linear(2, 2), loop.backend)


def test_chip_in_the_loop_recovers_accuracy_on_a_hidden_chip():
    torch.set_num_threads(1)
    task = TASKS["digits"]
    data = task.load(0, None)
    from rfspin.tasks.experiment import build_network_for

    net = build_network_for(task, data, (), 0)
    train(net, data, TrainConfig(epochs=8, batch_size=32, learning_rate=0.02), progress=False)
    ideal = evaluate_accuracy(net, data.x_test, data.y_test)
    loop = ChipInTheLoop(net, SimulatorBackend(hidden_chip_nonidealities(0.01, 0.05, 1e-4), seed=3))
    off_chip = evaluate_accuracy(loop, data.x_test, data.y_test)
    result = train(loop, data, TrainConfig(epochs=4, batch_size=32, learning_rate=0.02), progress=False)
    print(f"ideal {ideal:.3f}, off-chip {off_chip:.3f}, chip-in-the-loop {result.test_accuracy:.3f}")
    assert off_chip < ideal - 0.1  # the hidden chip really differs
    assert result.test_accuracy > off_chip + 0.1


def test_recalibration_reduces_the_twin_mismatch():
    net = build_rf_network((6, 5, 3), seed=2)
    x = torch.rand(32, 6, generator=torch.Generator().manual_seed(0))
    loop = ChipInTheLoop(net, SimulatorBackend(hidden_chip_nonidealities(0.0, 0.1, 0.0), seed=1), recalibrate=True)
    with torch.no_grad():
        before = (twin_forward(net, x, loop.correction) - loop(x)).pow(2).mean()
    loop.calibrate_twin(x, steps=60)
    with torch.no_grad():
        after = (twin_forward(net, x, loop.correction) - loop(x)).pow(2).mean()
    assert after < 0.5 * before
    assert loop.calibration_history[-1] < loop.calibration_history[0]


def test_cli_train_chip_in_the_loop(tmp_path, capsys):
    run0, run1 = tmp_path / "offchip", tmp_path / "citl"
    assert main(["train", "--task", "digits", "--epochs", "2", "--out", str(run0), "--no-plots", "--quiet"]) == 0
    assert main(["train", "--task", "digits", "--epochs", "1", "--program", str(run0 / "program.json"),
                 "--chip-in-the-loop", "sim:seed=3,prog_error=0.01,variability=0.05", "--out", str(run1),
                 "--no-plots", "--quiet"]) == 0
    assert "chip-in-the-loop on SimulatorBackend(seed=3)" in capsys.readouterr().out
    metrics = json.loads((run1 / "metrics.json").read_text())
    assert {"chip_test_accuracy", "chip_test_accuracy_before", "test_accuracy"} <= set(metrics)
    assert main(["evaluate", str(run1)]) == 0  # the stored test accuracy is the twin's, reproducible
    assert main(["train", "--task", "digits", "--chip-in-the-loop", "sim:bad", "--out", str(run1)]) == 2


def test_gradient_through_sampled_twins_is_the_twins_for_a_zero_spread_and_random_otherwise():
    from rfspin.nonideal import NonIdealities

    net = build_rf_network((6, 5, 3), seed=2, init_detuning=2.0)
    x = torch.rand(12, 6, generator=torch.Generator().manual_seed(0))
    ideal = SimulatorBackend(hidden_chip_nonidealities(0, 0, 0))
    exact = _grads(net, ChipInTheLoop(net, ideal).logits(x).sum())
    same = _grads(net, ChipInTheLoop(net, ideal, gradient_nonideal=NonIdealities()).logits(x).sum())
    assert all(torch.allclose(a, b, rtol=1e-5, atol=1e-12) for a, b in zip(exact, same))
    spread = ChipInTheLoop(net, ideal, gradient_nonideal=hidden_chip_nonidealities(0.01, 0.05, 0.0), seed=1)
    first, second = _grads(net, spread.logits(x).sum()), _grads(net, spread.logits(x).sum())
    assert not torch.allclose(first[0], second[0])  # a fresh twin sample every backward pass
