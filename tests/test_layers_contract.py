"""One contract for every RF layer: shapes, gradients to every parameter, state_dict, determinism."""

import io

import pytest
import torch

from rfspin.nn import OscillatorLayer, ResonatorChainLayer, RFNetwork, SoftwareMLP, Tones, build_rf_network
from rfspin.physics import chain_weights_direct, geometric_plan


def _resonator_layer(seed=0):
    return ResonatorChainLayer(geometric_plan(12, 20e6, 120e6), 5, generator=torch.Generator().manual_seed(seed))


def _oscillator_layer(seed=0):
    return OscillatorLayer(geometric_plan(5, 20e6, 120e6))


def _network(seed=0):
    return build_rf_network((12, 6, 4), seed=seed)


def _inputs(layer, batch=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    if isinstance(layer, ResonatorChainLayer):
        return torch.rand(batch, 12, generator=g) * 1e-6
    if isinstance(layer, OscillatorLayer):
        return (torch.rand(batch, 5, generator=g) - 0.5) * 20e-3
    return torch.rand(batch, 12, generator=g)


def _out(y):
    return y.powers if isinstance(y, Tones) else y


LAYERS = {"resonator_chains": _resonator_layer, "oscillators": _oscillator_layer, "network": _network}


@pytest.mark.parametrize("name", LAYERS)
def test_contract_shapes_and_finite(name, devices):
    layer = LAYERS[name]().to(devices)
    y = _out(layer(_inputs(layer).to(devices)))
    assert y.device.type == devices.type
    assert y.shape[0] == 7 and y.dim() == 2
    assert bool(torch.isfinite(y).all())


@pytest.mark.parametrize("name", LAYERS)
def test_contract_gradients_reach_every_parameter(name, devices):
    layer = LAYERS[name]().to(devices)
    x = _inputs(layer).to(devices)
    if isinstance(layer, OscillatorLayer):  # no parameters: gradient must reach the input voltage
        x = x.clone().requires_grad_()
        _out(layer(x)).sum().backward()
        assert x.grad is not None and bool((x.grad != 0).any())
        return
    (_out(layer(x)) ** 2).sum().backward()
    for pname, p in layer.named_parameters():
        assert p.grad is not None, pname
        assert bool(torch.isfinite(p.grad).all()), pname
        assert bool((p.grad != 0).any()), pname


@pytest.mark.parametrize("name", LAYERS)
def test_contract_state_dict_round_trip(name, devices):
    a, b = LAYERS[name](seed=1).to(devices), LAYERS[name](seed=2)
    with torch.no_grad():
        for p in a.parameters():
            p.add_(0.1)
    buf = io.BytesIO()
    torch.save(a.state_dict(), buf)
    buf.seek(0)
    b.load_state_dict(torch.load(buf, map_location="cpu", weights_only=True))
    x = _inputs(a).to(devices)
    assert torch.equal(_out(a(x)), _out(b.to(devices)(x)))


@pytest.mark.parametrize("name", LAYERS)
def test_contract_seeded_determinism(name, devices):
    x = _inputs(LAYERS[name]()).to(devices)
    assert torch.equal(_out(LAYERS[name](seed=3).to(devices)(x)), _out(LAYERS[name](seed=3).to(devices)(x)))
    if name != "oscillators":
        assert not torch.equal(_out(LAYERS[name](seed=3).to(devices)(x)), _out(LAYERS[name](seed=4).to(devices)(x)))


def test_resonator_layer_equals_direct_physics():
    layer = _resonator_layer()
    x = _inputs(layer)
    f = layer.resonance_frequencies().double()
    w = chain_weights_direct(layer.tone_frequencies.double(), f, layer.signs.double(), layer.sensitivity.double(),
                             layer.damping.double())
    expected = x.double() @ w.T + layer.bias_voltage().double()
    torch.testing.assert_close(layer(x).double(), expected, rtol=1e-4, atol=1e-6)


def test_resonance_frequencies_stay_in_band_and_projection():
    layer = _resonator_layer()
    with torch.no_grad():
        layer.detuning.fill_(1e6)
    f = layer.resonance_frequencies().detach()
    assert float(f.max()) <= float(layer.band[1])
    layer.project_()
    assert float(layer.resonance_frequencies().detach().max()) == pytest.approx(float(layer.band[1]), rel=1e-6)
    with pytest.raises(ValueError, match="outside the tuning band"):
        layer.set_resonance_frequencies(torch.full((5, 12), 500e6))


def test_inference_cache_invalidated_by_a_step():
    layer = _resonator_layer()
    x = _inputs(layer)
    with torch.no_grad():
        y1 = layer(x)
        layer.detuning.add_(0.5)
        y2 = layer(x)
    assert not torch.equal(y1, y2)
    with torch.no_grad():
        assert torch.equal(layer(x), y2)


def test_optimizer_and_compile_friendly_parameters():
    net = _network()
    names = {n for n, _ in net.named_parameters()}
    assert names == {"layers.0.detuning", "layers.0.bias_raw", "layers.2.detuning", "layers.2.bias_raw"}
    assert {"layers.0.tone_frequencies", "layers.1.frequencies", "input_power"} <= set(net.state_dict())


def test_bad_inputs_are_named():
    net = _network()
    with pytest.raises(ValueError, match="nan"):
        net(torch.full((2, 12), float("nan")))
    with pytest.raises(ValueError, match="inf"):
        net(torch.full((2, 12), float("inf")))
    with pytest.raises(ValueError, match=">= 0"):
        net(-torch.ones(2, 12))
    with pytest.raises(ValueError, match=r"\(batch, 12\)"):
        net(torch.ones(2, 13))


def test_software_mlp_baseline_shapes():
    mlp = SoftwareMLP((12, 6, 4), generator=torch.Generator().manual_seed(0))
    assert mlp(torch.rand(3, 12)).shape == (3, 4)
    assert isinstance(_network(), RFNetwork)
    assert _network().n_synapses == 12 * 6 + 6 * 4
    assert _network().n_neurons == 12 + 6
