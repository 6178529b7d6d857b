"""Fewer, cheaper steps: weights built once per evaluation, no host sync in the forward, torch.compile."""

from __future__ import annotations

import pytest
import torch

import rfspin.nn.resonator_layer as resonator_layer
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
