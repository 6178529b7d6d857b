"""The one layer walk: dispatch in one module, typed hooks, no host syncs inside, dtypes, compile."""

from __future__ import annotations

import contextlib
import copy
import re
from pathlib import Path

import pytest
import torch

from rfspin.errors import RfspinError, RfspinTypeError
from rfspin.hardware import SimulatorBackend, hidden_chip_nonidealities
from rfspin.nn import (
    ChainSite,
    LayerHooks,
    OscillatorLayer,
    ResonatorChainLayer,
    StaticSample,
    build_rf_network,
    run_layers,
)
from rfspin.nn.chip import ChipInstance, chip_forward, sample_static
from rfspin.nn.chip_static import OscillatorStatic, ResonatorStatic
from rfspin.nn.cnn import RFCNN, CNNSpec
from rfspin.nonideal import NonIdealities, parse_nonidealities
from rfspin.physics import geometric_plan
from rfspin.program import export_program

SRC = Path(__file__).resolve().parents[1] / "src" / "rfspin"


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_layer_type_dispatch_lives_in_the_engine_only():
    pattern = re.compile(r"isinstance\([^)]*(ResonatorChainLayer|OscillatorLayer|RFConv2d|RFConvNeurons)")
    hits = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if pattern.search(p.read_text()))
    assert hits == ["nn/engine.py"]


@contextlib.contextmanager
def host_syncs():
    """Count Tensor.__bool__ / item / tolist calls (what makes a GPU wait for the host)."""
    calls: list[str] = []
    names = ("__bool__", "item", "tolist")
    orig = {n: getattr(torch.Tensor, n) for n in names}

    def counting(name):
        def call(self, *args, **kwargs):
            calls.append(name)
            return orig[name](self, *args, **kwargs)
        return call

    for n in names:
        setattr(torch.Tensor, n, counting(n))
    try:
        yield calls
    finally:
        for n, f in orig.items():
            setattr(torch.Tensor, n, f)


@pytest.mark.parametrize("sizes", [(6, 3), (6, 5, 3), (6, 5, 4, 4, 3)])
def test_one_host_sync_per_batch_whatever_the_depth(sizes):
    net = build_rf_network(sizes, seed=0)
    x = torch.rand(4, 6, generator=gen())
    net(x)  # first call: the oscillators look at their frequency-shift buffers once
    with host_syncs() as calls:
        net(x)  # training mode
        net.forward_powers(x * net.input_power)
    assert calls == ["__bool__"]  # the input check at the boundary, nothing per layer
    chip = ChipInstance.sample(net, parse_nonidealities({"preset": "lab-2023"}), gen(1))
    static = chip.static
    chip_forward(net, static, chip.nonideal, x, generator=gen(2))
    with host_syncs() as calls:
        chip_forward(net, static, chip.nonideal, x, generator=gen(2))
    assert calls == []


def test_cnn_checks_its_inputs_once():
    spec = CNNSpec(image_shape=(1, 8, 8), convs=((2, 3, 1, 0, 2), (3, 3, 1, 0, 1)), hidden=(4,), n_classes=3)
    model = RFCNN(spec, generator=gen())
    x = torch.rand(2, 64, generator=gen(1))
    model(x)
    with host_syncs() as calls:
        model(x)
    assert calls == ["__bool__"]


def test_per_layer_checks_stay_for_direct_use():
    layer = ResonatorChainLayer(geometric_plan(4, 20e6, 120e6), 3, generator=gen())
    bad = torch.full((2, 4), float("nan"))
    with pytest.raises(RfspinError, match="nan"):
        layer(bad)
    assert bool(torch.isnan(layer(bad, validate=False)).all())  # the unchecked path computes as told


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16, torch.uint8])
def test_networks_accept_any_real_dtype(dtype):
    net = build_rf_network((6, 5, 3), seed=1)
    x32 = torch.randint(0, 2, (5, 6), generator=gen(2)).float()  # exact in every dtype
    out = net(x32.to(dtype))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, net(x32), rtol=0, atol=0)
    layer, osc = net.layers[0], net.layers[1]
    assert layer(x32.to(dtype) * 1e-6).dtype == torch.float32
    assert osc(torch.zeros(2, 5, dtype=torch.float64)).powers.dtype == torch.float32


def test_bad_input_types_and_overflow_are_named():
    net = build_rf_network((6, 3), seed=1)
    with pytest.raises(RfspinTypeError, match="bool"):
        net(torch.ones(2, 6, dtype=torch.bool))
    with pytest.raises(RfspinTypeError, match="complex"):
        net(torch.ones(2, 6, dtype=torch.complex64))
    with pytest.raises(RfspinError, match="1e\\+300.*float32"):
        net(torch.full((2, 6), 1e300, dtype=torch.float64))
    double = copy.deepcopy(net).double()  # a float64 network computes the same value in float64
    assert double(torch.full((2, 6), 0.5, dtype=torch.float64)).dtype == torch.float64


class _Recorder(LayerHooks):
    def __init__(self, nudge: float = 0.0) -> None:
        self.sites: list[ChainSite] = []
        self.nudge = nudge

    def record(self, site, powers, tone_frequencies, voltages):
        self.sites.append(site)

    def feed_forward(self, site, voltages):
        return voltages + self.nudge if site.is_output else voltages


def test_hooks_see_every_chain_site_and_change_only_what_they_return():
    net = build_rf_network((6, 5, 4, 3), seed=3)
    p = torch.rand(4, 6, generator=gen()) * net.input_power
    rec = _Recorder(nudge=2e-3)
    with torch.no_grad():
        out = run_layers(net.layers, p, rec)
        ideal = net.forward_powers(p)
    assert [s.index for s in rec.sites] == [0, 2, 4]
    assert [s.is_output for s in rec.sites] == [False, False, True]
    assert rec.sites[0].neurons is net.layers[1] and rec.sites[1].neurons is net.layers[3]
    torch.testing.assert_close(out, ideal + 2e-3, rtol=0, atol=1e-9)  # the nudge reaches the outputs only


def test_hidden_voltages_are_not_quantised_outputs_are():
    net = build_rf_network((6, 5, 3), seed=1)
    x = torch.rand(64, 6, generator=gen())
    cfg = parse_nonidealities({"adc": {"bits": 4, "full_scale_mv": 50}})
    out = chip_forward(net, sample_static(net, cfg, 1, gen()), cfg, x)[0].detach()
    step = 2 * 50e-3 / (2**4 - 1)
    levels = (out + 50e-3) / step
    torch.testing.assert_close(levels, levels.round(), rtol=0, atol=1e-4)  # on the ADC grid
    backend = SimulatorBackend(hidden_chip_nonidealities(0, 0, 0))
    m = backend.measure(export_program(net), x, intermediates=True)
    hidden = (m.intermediates[0] + 50e-3) / step
    assert not torch.allclose(hidden, hidden.round(), atol=1e-3)


def test_static_sample_records_and_version_1_chip_files(tmp_path):
    net = build_rf_network((6, 5, 3), seed=1)
    cfg = parse_nonidealities({"preset": "lab-2023"})
    static = sample_static(net, cfg, 3, gen(4))
    assert isinstance(static.layers[0], ResonatorStatic) and isinstance(static.layers[1], OscillatorStatic)
    assert static.layers[0].stuck is None  # effects with no spread are not drawn
    again = StaticSample.from_record(static.to_record())
    assert again.equal(static) and not again.equal(sample_static(net, cfg, 3, gen(5)))
    one = static.select(2)
    assert one.n_chips == 1 and torch.equal(one.layers[0].frequency_factor[0], static.layers[0].frequency_factor[2])
    with pytest.raises(RfspinError, match="expected \\(3, ...\\)"):
        StaticSample(3, (ResonatorStatic(frequency_factor=torch.ones(2, 5, 6)),))
    # a chip saved before version 2: its static sample as {"LAYER.NAME": tensor}
    chip = ChipInstance(net, cfg, one, noise_seed=9)
    record = chip.record()
    record["format"] = "rfspin.chip_instance/1"
    record["static"] = {f"{i}.{name}": t for i, entry in enumerate(one.layers)
                        for name, t in vars(entry).items() if t is not None}
    torch.save(record, tmp_path / "old.pt")
    old = ChipInstance.load(tmp_path / "old.pt")
    assert old.static.equal(one)
    x = torch.rand(4, 6, generator=gen(6))
    assert torch.equal(old(x), ChipInstance(net, cfg, one, noise_seed=9)(x))
    chip.save(tmp_path / "new.pt")
    assert torch.load(tmp_path / "new.pt", weights_only=True)["static"]["format"] == "rfspin.static_sample/2"


def test_chip_walk_needs_a_dense_network():
    spec = CNNSpec(image_shape=(1, 8, 8), convs=((2, 3, 1, 0, 2),), hidden=(), n_classes=2)
    with pytest.raises(RfspinTypeError, match="dense"):
        ChipInstance(RFCNN(spec, generator=gen()), NonIdealities(), StaticSample(1, ()), 0)
    with pytest.raises(RfspinTypeError, match="not an RF layer"):
        run_layers([torch.nn.Linear(2, 2)], torch.ones(1, 2))


def _compile_or_skip(fn, **kwargs):
    try:
        import torch._dynamo  # noqa: F401
    except Exception as exc:  # pragma: no cover - depends on the installation
        pytest.skip(f"torch.compile unavailable: {exc}")
    return torch.compile(fn, **kwargs)


def test_torch_compile_forward_and_backward_in_one_graph():
    """fullgraph=True: no graph break, i.e. no data-dependent Python branch or host sync inside."""
    torch._dynamo.reset()
    net = build_rf_network((6, 5, 3), seed=0)
    x = torch.rand(4, 6, generator=gen(1))
    p = x * net.input_power
    eager = net.forward_powers(p)
    eager.pow(2).sum().backward()
    g_eager = [q.grad.clone() for q in net.parameters()]
    net.zero_grad()
    compiled = _compile_or_skip(net.forward_powers, backend="aot_eager", fullgraph=True)
    out = compiled(p)
    out.pow(2).sum().backward()
    torch.testing.assert_close(out, eager, rtol=1e-5, atol=1e-9)
    for a, b in zip([q.grad for q in net.parameters()], g_eager):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6 * float(b.abs().max()))
    torch._dynamo.reset()


@pytest.mark.slow
def test_torch_compile_inductor_matches_eager():
    torch._dynamo.reset()
    net = build_rf_network((6, 5, 3), seed=0)
    x = torch.rand(4, 6, generator=gen(1))
    compiled = _compile_or_skip(net.logits)
    out = compiled(x)
    out.sum().backward()
    torch.testing.assert_close(out, net.logits(x), rtol=1e-5, atol=1e-6)
    torch._dynamo.reset()


def test_oscillator_frequency_shift_flag_follows_the_buffer():
    osc = OscillatorLayer(geometric_plan(3, 20e6, 120e6))
    v = torch.zeros(2, 3)
    assert osc(v).frequencies.dim() == 1
    with torch.no_grad():
        osc.nonlinear_frequency_shift.fill_(1e6)
    assert osc(v).frequencies.shape == (2, 3)  # per-sample tones once the buffer changed
    osc.load_state_dict({**osc.state_dict(), "nonlinear_frequency_shift": torch.zeros(3)})
    assert osc(v).frequencies.dim() == 1
