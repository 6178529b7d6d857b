"""The RF network in time: steady state = static forward pass, settling, bad input."""

from __future__ import annotations

import pytest
import torch

from rfspin.cli.main import main
from rfspin.errors import RfspinError
from rfspin.nn.network import NetworkSpec, RFNetwork
from rfspin.nn.time_domain import run_network_in_time


@pytest.fixture(scope="module")
def network():
    return RFNetwork(NetworkSpec(sizes=(5, 6, 3)), generator=torch.Generator().manual_seed(0))


def test_steady_state_equals_static_forward_and_settles(network):
    x = torch.rand(5, generator=torch.Generator().manual_seed(1))
    result = run_network_in_time(network, x, duration=12e-6, time_step=2e-8)
    assert result.steady_state_deviation <= 1e-3
    torch.testing.assert_close(result.static_outputs.float(), network(x[None])[0])
    # the outputs move (the input switched on) and settle well inside the window
    assert 0 < result.settling_time < 8e-6
    assert float((result.outputs[0] - result.outputs[-1]).abs().max()) > 0.02 * float(
        result.static_outputs.abs().max())
    instant = run_network_in_time(network, x, duration=12e-6, time_step=2e-8, resonators="instant")
    assert instant.steady_state_deviation <= 1e-3 and instant.settling_time < result.settling_time


@pytest.mark.parametrize("kwargs", [{"duration": -1.0}, {"duration": float("nan")}, {"time_step": 1e-6},
                                    {"resonators": "ideal"}])
def test_bad_arguments_are_one_line_errors(network, kwargs):
    with pytest.raises(RfspinError) as info:
        run_network_in_time(network, torch.ones(5), **kwargs)
    assert "\n" not in str(info.value)


def test_bad_inputs(network):
    with pytest.raises(RfspinError):
        run_network_in_time(network, torch.full((5,), float("nan")))
    with pytest.raises(RfspinError):
        run_network_in_time(network, torch.ones(2, 5))


def test_cli_missing_run_folder_exits_2(tmp_path, capsys):
    assert main(["simulate", "network", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
