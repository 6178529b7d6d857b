"""Vectorised Monte-Carlo, the robustness CLI, hardware-aware training and binary synapses."""

import copy
import json

import pytest
import torch

from rfspin.cli.main import main
from rfspin.nn.binary import BinaryResonatorChainLayer, binarize, harden
from rfspin.nn.chip import ChipInstance, sample_static
from rfspin.nn.network import build_rf_network
from rfspin.nonideal import NonIdealities, parse_nonidealities
from rfspin.tasks.robustness import monte_carlo_accuracy, parse_sweep, summarize
from rfspin.train.hardware_aware import HardwareAwareConfig, HardwareAwareNetwork


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def net():
    return build_rf_network((16, 8, 3), seed=2)


def test_monte_carlo_matches_chip_instances(net, devices):
    net = copy.deepcopy(net).to(devices)
    x = torch.rand(40, 16, generator=gen(1)).to(devices)
    y = net(x).argmax(1).detach()
    cfg = parse_nonidealities({"programming_error": {"relative_sigma_percent": 0.5},
                               "variability": {"sensitivity_sigma_percent": 10}})
    acc = monte_carlo_accuracy(net, cfg, x, y, 7, gen(3), chunk_chips=7)
    static = sample_static(net, cfg, 7, gen(3))
    for c in range(7):
        chip = ChipInstance(net, cfg, static.select(c), 0)
        with torch.no_grad():
            assert acc[c].item() == pytest.approx((chip(x).argmax(1) == y).float().mean().item())
    ideal = monte_carlo_accuracy(net, NonIdealities(), x, y, 5, gen(), chunk_chips=2)
    assert torch.equal(ideal, torch.ones(5))  # accuracies come back on the CPU
    s = summarize(torch.tensor([0.5, 1.0, 0.75]))
    assert s["mean"] == 0.75 and s["min"] == 0.5 and s["max"] == 1.0


def test_parse_sweep():
    assert parse_sweep("temperature.temperature_k=250,300") == ("temperature.temperature_k", [250.0, 300.0])
    for bad in ("temperature.temperature_k", "x=1,a"):
        with pytest.raises(ValueError, match="--sweep"):
            parse_sweep(bad)


def test_hardware_aware_network(net):
    cfg = HardwareAwareConfig(parse_nonidealities({"programming_error": {"relative_sigma_percent": 1}}))
    hw = HardwareAwareNetwork(net, cfg)
    x = torch.rand(8, 16, generator=gen(4))
    hw.eval()
    assert torch.equal(hw(x), net(x))
    hw.train()
    before = hw.static.layers[0].frequency_factor.clone()
    assert not torch.allclose(hw(x), net(x))
    hw.step_hook(hw)
    assert not torch.equal(before, hw.static.layers[0].frequency_factor)
    assert set(hw.state_dict()) == set(net.state_dict())
    # twin variant: value of the chip, gradient of the ideal network
    twin = HardwareAwareNetwork(net, HardwareAwareConfig(cfg.nonideal, variant="twin"))
    net.zero_grad()
    twin(x).sum().backward()
    g_twin = net.layers[0].detuning.grad.clone()
    net.zero_grad()
    net(x).sum().backward()
    torch.testing.assert_close(g_twin, net.layers[0].detuning.grad)
    net.zero_grad()
    with pytest.raises(ValueError, match="variant"):
        HardwareAwareConfig(NonIdealities(), variant="magic")


def test_binary_gradient_is_flip_difference():
    net = binarize(build_rf_network((12, 4), seed=0))
    layer = net.layers[0]
    assert isinstance(layer, BinaryResonatorChainLayer)
    probe = torch.randn(4, 12, generator=gen(5), dtype=torch.float32)
    layer.train()
    loss = (layer.weights() * probe).sum()
    loss.backward()
    layer.eval()
    with torch.no_grad():
        j, k = 1, 3
        s0 = layer.detuning[j, k].item()
        vals = []
        for s in (0.5, -0.5):
            layer.detuning[j, k] = s
            layer._cache = None
            vals.append((layer.weights() * probe).sum().item())
        layer.detuning[j, k] = s0
    # the layer is linear in each device's mixing weight: dL/ds = (L(+1) - L(-1)) / 2
    assert layer.detuning.grad[j, k].item() == pytest.approx((vals[0] - vals[1]) / 2, rel=1e-3, abs=1e-3)
    x = torch.rand(5, 12, generator=gen(6))
    net.eval()
    hard = harden(net)
    torch.testing.assert_close(hard(x), net(x))
    f = hard.layers[0].resonance_frequencies() / hard.layers[0].anchor_frequencies
    torch.testing.assert_close((f - 1).abs(), torch.full_like(f, 0.01), rtol=1e-5, atol=1e-7)


def test_cli_train_hw_aware_and_robustness(tmp_path, capsys):
    cfg = tmp_path / "hw.toml"
    cfg.write_text("[programming_error]\nrelative_sigma_percent = 0.2\n[voltage_noise]\nbandwidth_mhz = 1\n")
    run = tmp_path / "run"
    assert main(["train", "--task", "nonlinear2d", "--epochs", "1", "--out", str(run), "--quiet", "--no-plots",
                 "--hw-aware", str(cfg), "--hw-variant", "twin"]) == 0
    assert json.loads((run / "metrics.json").read_text())["hardware_aware"]["variant"] == "twin"
    assert main(["robustness", str(run), "--chips", "6", "--chunk", "4", "--config", str(cfg),
                 "--sweep", "programming_error.relative_sigma_percent=0,1"]) == 0
    report = json.loads((run / "robustness.json").read_text())
    assert [r["setting"] for r in report["results"]] == [
        "base", "programming_error.relative_sigma_percent=0", "programming_error.relative_sigma_percent=1"]
    for r in report["results"]:
        assert len(r["accuracies"]) == 6 and r["min"] <= r["p05"] <= r["mean"] <= r["max"]
    assert (run / "robustness.csv").read_text().count("\n") == 4
    assert (run / "robustness_distributions.png").stat().st_size > 0
    assert (run / "robustness_programming_error_relative_sigma_percent.png").stat().st_size > 0
    bad = tmp_path / "bad.toml"
    bad.write_text("[programming_error]\nrelative_sigma_percent = -1\n")
    capsys.readouterr()
    assert main(["robustness", str(run), "--chips", "2", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "relative_sigma_percent" in err and "-1" in err and "error" in err
    assert main(["robustness", str(run), "--chips", "2", "--sweep", "programming_error.sigma_hz=1"]) == 2
    assert main(["train", "--task", "nonlinear2d", "--epochs", "1", "--out", str(tmp_path / "r2"), "--quiet",
                 "--no-plots", "--hw-aware", str(bad)]) == 2


def test_cli_train_binary(tmp_path, capsys):
    run = tmp_path / "bin"
    assert main(["train", "--task", "nonlinear2d", "--epochs", "1", "--binary", "ste", "--out", str(run), "--quiet"]) == 0
    assert "binary RF network" in capsys.readouterr().out
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["binary"]["mode"] == "ste" and 0 <= metrics["test_accuracy"] <= 1
    from rfspin.tasks import load_run_model

    model = load_run_model(run)
    for layer in model.resonator_layers:  # every device sits in one of its two states
        ratio = layer.resonance_frequencies() / layer.anchor_frequencies
        torch.testing.assert_close((ratio - 1).abs(), torch.full_like(ratio, 0.01), rtol=1e-4, atol=1e-6)
