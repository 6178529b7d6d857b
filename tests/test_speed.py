"""Fewer, cheaper steps: weights built once per evaluation, no host sync in the forward, torch.compile."""

from __future__ import annotations

import pytest
import torch

from rfspin.nn import resonator_layer
from rfspin.nn.network import build_rf_network
from rfspin.train.trainer import predict


def _count_weight_builds(monkeypatch) -> list:
    calls = []
    real = resonator_layer.chain_weights

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(resonator_layer, "chain_weights", counted)
    return calls


def test_evaluation_builds_each_layers_weights_once(monkeypatch, devices):
    net = build_rf_network((16, 8, 3), seed=0).to(devices)
    x = torch.rand(50, 16, generator=torch.Generator().manual_seed(1)).to(devices)
    calls = _count_weight_builds(monkeypatch)
    first = predict(net, x, batch_size=8)  # 7 batches, 2 chain layers
    assert len(calls) == 2
    assert torch.equal(predict(net, x, batch_size=50), first)  # parameters unchanged: nothing rebuilt
    assert len(calls) == 2
    with torch.no_grad():
        net.resonator_layers[0].detuning.add_(0.1)  # a step that moved layer 0: only it is rebuilt
    predict(net, x, batch_size=8)
    assert len(calls) == 3


def test_training_forward_builds_weights_every_step(monkeypatch):
    net = build_rf_network((16, 8, 3), seed=0)
    calls = _count_weight_builds(monkeypatch)
    x = torch.rand(4, 16, generator=torch.Generator().manual_seed(1))
    for _ in range(2):
        net.logits(x).sum().backward()  # with gradients the weights are never taken from a cache
    assert len(calls) == 4


def test_forward_compiles_as_one_graph(devices):
    """fullgraph=True fails on any graph break: a .item(), bool(tensor) or other host sync in the walk."""
    net = build_rf_network((16, 8, 3), seed=0).to(devices)
    powers = net.input_powers(torch.rand(4, 16, generator=torch.Generator().manual_seed(1)).to(devices))
    torch._dynamo.reset()
    compiled = torch.compile(net.forward_powers, backend="eager", fullgraph=True)
    out = compiled(powers)
    torch.testing.assert_close(out, net.forward_powers(powers))
    out.sum().backward()  # differentiable through the compiled graph
    assert net.resonator_layers[0].detuning.grad is not None


def test_bad_inputs_are_still_caught_outside_the_compiled_graph():
    net = build_rf_network((16, 8, 3), seed=0)
    with pytest.raises(ValueError, match="finite"):
        net.input_powers(torch.full((2, 16), float("nan")))


def test_fused_monte_carlo_weights_equal_the_tensor_kernel():
    from rfspin.nonideal.fused_weights import (
        fused_chain_weights,
        fused_weights_available,
    )
    from rfspin.physics.chain_kernel import chain_weights

    if not fused_weights_available():
        pytest.skip("numba not installed: Monte-Carlo uses the tensor kernel")
    gen = torch.Generator().manual_seed(0)
    tones = torch.linspace(20e6, 120e6, 24, dtype=torch.float64)
    v = tones[:24].expand(3, 5, 24) * (1 + 0.02 * torch.randn(3, 5, 24, generator=gen, dtype=torch.float64))
    delta = 0.01 * v
    a, b = torch.randn(3, 5, 24, generator=gen, dtype=torch.float64), delta * torch.randn(3, 5, 24, generator=gen,
                                                                                           dtype=torch.float64)
    per_chip = tones.expand(3, 24) * (1 + 1e-3 * torch.arange(3, dtype=torch.float64)).unsqueeze(1)
    for u in (tones, per_chip):  # shared tones, and one set per chip (hidden oscillators of C chips)
        exact = chain_weights(u, v, delta, a, b, method="exact")
        torch.testing.assert_close(fused_chain_weights(u, v, delta, a, b), exact, rtol=1e-12, atol=1e-12 * float(
            exact.abs().max()))
    assert fused_chain_weights(tones, v.requires_grad_(), delta, a, b) is None  # gradients: the tensor kernel's job


def test_monte_carlo_fused_and_tensor_kernels_give_identical_accuracies():
    from rfspin.nonideal import parse_nonidealities
    from rfspin.tasks.robustness import monte_carlo_accuracy

    net = build_rf_network((16, 8, 3), seed=2)
    x = torch.rand(40, 16, generator=torch.Generator().manual_seed(1))
    y = net(x).argmax(1).detach()
    cfg = parse_nonidealities({"programming_error": {"relative_sigma_percent": 2.0}})
    runs = [monte_carlo_accuracy(net, cfg, x, y, 20, torch.Generator().manual_seed(3), chunk_chips=6, fused=fused)
            for fused in (True, False)]
    assert torch.equal(runs[0], runs[1])
    assert float(runs[0].min()) < 1.0  # the chips do differ from the ideal network


def test_every_computing_command_takes_device():
    from rfspin.cli.main import build_parser

    parser = build_parser()
    for argv in (["train"], ["evaluate", "run"], ["robustness", "run"], ["reproduce", "ross2023"],
                 ["energy", "run", "--activity"], ["simulate", "junction"]):
        args, _ = parser.parse_known_args([*argv, "--device", "cpu"])
        assert args.device == "cpu", argv
