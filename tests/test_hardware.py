"""Hardware backends: protocol, hidden-chip simulator, user-function adapter, replay; spec parsing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rfspin.cli.cmd_train import parse_backend_spec
from rfspin.hardware import (
    FunctionBackend,
    HardwareBackend,
    ReplayBackend,
    SimulatorBackend,
    hidden_chip_nonidealities,
    record_measurements,
)
from rfspin.nn.network import build_rf_network
from rfspin.program import export_program


@pytest.fixture(scope="module")
def net():
    return build_rf_network((6, 4, 3), seed=1)


@pytest.fixture(scope="module")
def x():
    return torch.rand(16, 6, generator=torch.Generator().manual_seed(0))


def test_backends_satisfy_the_protocol(tmp_path, net, x):
    sim = SimulatorBackend(hidden_chip_nonidealities(0, 0, 0))
    record_measurements(sim, export_program(net), x, tmp_path)
    for backend in (sim, FunctionBackend(lambda p, i: np.zeros((len(i), 3))), ReplayBackend(tmp_path)):
        assert isinstance(backend, HardwareBackend)


def test_ideal_simulator_equals_the_twin_with_intermediates(net, x):
    m = SimulatorBackend(hidden_chip_nonidealities(0, 0, 0)).measure(export_program(net), x, intermediates=True)
    with torch.no_grad():
        out, inter = net.forward_powers(x * net.input_power, return_intermediate=True)
    assert torch.allclose(m.outputs_v, out, rtol=1e-5, atol=1e-9)
    assert len(m.intermediates) == 1 and torch.allclose(m.intermediates[0], inter[0], rtol=1e-5, atol=1e-9)


def test_hidden_chip_is_static_per_seed_and_noise_has_the_stated_sigma(net, x):
    program = export_program(net)
    quiet = hidden_chip_nonidealities(0.01, 0.05, 0.0)
    a = SimulatorBackend(quiet, seed=5).measure(program, x).outputs_v
    assert torch.equal(a, SimulatorBackend(quiet, seed=5).measure(program, x).outputs_v)  # same fab, same chip
    assert torch.equal(a, SimulatorBackend(quiet, seed=5).measure(program, x).outputs_v)
    assert not torch.allclose(a, SimulatorBackend(quiet, seed=6).measure(program, x).outputs_v)
    with torch.no_grad():
        assert not torch.allclose(a, net(x))  # the chip is not the twin
    sigma = 1e-3
    noisy = SimulatorBackend(hidden_chip_nonidealities(0.01, 0.05, sigma), seed=5)
    first, second = noisy.measure(program, x).outputs_v, noisy.measure(program, x).outputs_v
    # output noise: the last chain's own noise (the hidden layer's noise passes through the
    # oscillators too); its variance must be at least sigma^2 - chi-square bound, 48 samples
    diff = (first - second).flatten().double()
    chi2 = float((diff**2).sum() / (2 * sigma**2))
    assert chi2 > 28.1  # 1 % quantile of chi2(48)
    assert "0.05" not in repr(noisy)  # hidden


def test_function_backend_passes_program_and_validates_answers(net, x):
    seen = {}

    def lab(program, inputs):
        seen["sizes"] = program["sizes"]
        return np.ones((inputs.shape[0], 3)), [np.zeros((inputs.shape[0], 4))]

    m = FunctionBackend(lab).measure(export_program(net), x, intermediates=True)
    assert seen["sizes"] == [6, 4, 3] and m.outputs_v.shape == (16, 3) and m.intermediates[0].shape == (16, 4)
    with pytest.raises(ValueError, match="expected \\(16, 3\\)"):
        FunctionBackend(lambda p, i: np.ones((2, 3))).measure(export_program(net), x)
    with pytest.raises(ValueError, match="non-finite"):
        FunctionBackend(lambda p, i: np.full((len(i), 3), np.nan)).measure(export_program(net), x)
    with pytest.raises(TypeError):
        FunctionBackend(42)


def test_replay_reproduces_recording_and_refuses_other_requests(tmp_path, net, x):
    program = export_program(net)
    sim = SimulatorBackend(hidden_chip_nonidealities(0.01, 0.05, 1e-4), seed=2)
    record_measurements(sim, program, x, tmp_path, intermediates=True)
    replay = ReplayBackend(tmp_path)
    m = replay.measure(program, x[[3, 1]], intermediates=True)
    recorded = np.loadtxt(tmp_path / "outputs_v.csv", delimiter=",", skiprows=1)
    assert np.allclose(m.outputs_v.numpy(), recorded[[3, 1]], rtol=1e-6)
    assert m.intermediates[0].shape == (2, 4)
    with pytest.raises(ValueError, match="was not recorded"):
        replay.measure(program, x + 0.5)
    other = build_rf_network((6, 4, 3), seed=9)
    with pytest.raises(ValueError, match="differs from the recorded"):
        replay.measure(export_program(other), x)
    (tmp_path / "outputs_v.csv").write_text("out_0,out_1,out_2\n1,2\n")
    with pytest.raises(ValueError, match="line 2"):
        ReplayBackend(tmp_path)
    with pytest.raises(FileNotFoundError):
        ReplayBackend(tmp_path / "missing")


def lab_function(program, inputs):  # used by the python: spec test below
    return np.zeros((inputs.shape[0], program["sizes"][-1]))


def test_backend_spec_parsing(tmp_path, net, x):
    sim = parse_backend_spec("sim:seed=3,prog_error=0.02,variability=0.1,noise_v=0")
    assert isinstance(sim, SimulatorBackend)
    record_measurements(sim, export_program(net), x, tmp_path)
    assert isinstance(parse_backend_spec(f"replay:{tmp_path}"), ReplayBackend)
    fn = parse_backend_spec(f"python:{__name__}:lab_function")
    assert fn.measure(export_program(net), x).outputs_v.abs().sum() == 0
    for bad, message in [("sim:seed", "KEY=VALUE"), ("sim:prog_error=abc", "not a number"), ("gpu:0", "must start"),
                         ("python:nomodule_xyz:f", "cannot import"), (f"python:{__name__}:nothing", "no function")]:
        with pytest.raises(ValueError, match=message):
            parse_backend_spec(bad)
