"""Hypothesis: layers, networks and chip instances on generated inputs.

Property: a forward either returns finite outputs of the right shape or raises RfspinError that
names the input. Bugs once found here are pinned with their exact inputs at the end of this file.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from property_support import assert_finite, assert_user_error, examples, field_values

from rfspin import build_rf_network
from rfspin.errors import RfspinError
from rfspin.nn import NetworkSpec, OscillatorLayer, ResonatorChainLayer, RFNetwork
from rfspin.nn.chip import chip_forward, sample_static
from rfspin.nonideal import COMPONENTS, NonIdealities
from rfspin.physics import linear_plan

# float32 values of every kind: NaN / inf / negative / subnormal / near the float32 limit
_values = st.one_of(
    st.floats(min_value=0, max_value=2.0**20, width=32),
    st.floats(width=32),
    st.sampled_from([0.0, 1.0, -1.0, math.nan, math.inf, -math.inf, 1e-45]),
)


def _inputs(n_features: int):
    """(B, I) float32 tensors, or wrong shapes (1-D, 3-D, wrong width, empty)."""
    shapes = st.one_of(
        st.tuples(st.integers(0, 4), st.just(n_features)),
        st.tuples(st.integers(1, 3), st.integers(1, 6)),
        st.tuples(st.integers(1, 6)),
        st.tuples(st.integers(1, 2), st.integers(1, 2), st.just(n_features)),
    )
    return shapes.flatmap(lambda shape: arrays(np.float32, shape, elements=_values)).map(torch.from_numpy)


def _names_input(exc):
    assert_user_error(exc, "input", "shape", "nan", "inf", "-")


@settings(max_examples=examples(150))
@given(n_tones=st.integers(1, 5), n_chains=st.integers(1, 4), data=st.data())
def test_resonator_layer_forward_property(n_tones, n_chains, data):
    layer = ResonatorChainLayer(linear_plan(n_tones, 20e6, 120e6), n_chains,
                                generator=torch.Generator().manual_seed(0))
    x = data.draw(_inputs(n_tones))
    try:
        out = layer(x * 1e-6)
    except RfspinError as exc:
        _names_input(exc)
        powers = x * 1e-6
        assert not (x.dim() == 2 and x.shape[1] == n_tones and bool(torch.isfinite(powers).all())
                    and bool((powers >= 0).all()) and bool((powers <= 1.0).all()))
        return
    assert out.shape == (x.shape[0], n_chains)
    assert_finite(out)


@settings(max_examples=examples(150))
@given(n=st.integers(1, 5), data=st.data())
def test_oscillator_layer_forward_property(n, data):
    layer = OscillatorLayer(linear_plan(n, 20e6, 120e6))
    v = data.draw(_inputs(n))
    try:
        tones = layer(v * 1e-3)
    except RfspinError as exc:
        _names_input(exc)
        return
    assert tones.powers.shape == (v.shape[0], n)
    assert_finite(tones.powers, tones.frequencies)
    assert bool((tones.powers >= 0).all())


_SPEC_FIELDS = {
    "input_power": st.floats(min_value=1e-12, max_value=1e-3),
    "readout_scale": st.floats(min_value=1e-6, max_value=1.0),
    "init_detuning": st.floats(min_value=0, max_value=10),
    "plan": st.sampled_from(["linear", "geometric"]),
    "hidden_plan": st.sampled_from(["linear", "geometric"]),
}


@settings(max_examples=examples(100))
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4), data=st.data())
def test_rf_network_forward_property(sizes, data):
    fields = {k: data.draw(v, label=k) for k, v in _SPEC_FIELDS.items() if data.draw(st.booleans(), label=f"set {k}")}
    net = build_rf_network(tuple(sizes), seed=0, **fields)
    x = data.draw(_inputs(sizes[0]))
    try:
        out, logits = net(x), net.logits(x)
    except RfspinError as exc:
        _names_input(exc)
        return
    assert out.shape == (x.shape[0], sizes[-1])
    assert_finite(out, logits)


@settings(max_examples=examples(150))
@given(data=st.data())
def test_chip_instances_property(data):
    """Non-idealities of any accepted magnitude give finite chip outputs (or a named error)."""
    section = data.draw(st.sampled_from(sorted(COMPONENTS)))
    cls = COMPONENTS[section]
    names = [f for f in cls.__dataclass_fields__]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1))
    kwargs = {k: data.draw(field_values(getattr(cls(), k) or 0.01), label=k) for k in chosen}
    try:
        nonideal = NonIdealities(**{section: cls(**kwargs)})
    except RfspinError as exc:
        assert_user_error(exc, *kwargs)
        return
    net = build_rf_network((3, 2, 2), seed=0, input_power=1e-6)
    gen = torch.Generator().manual_seed(1)
    static = sample_static(net, nonideal, 2, gen)
    out = chip_forward(net, static, nonideal, torch.rand(4, 3, generator=gen), n_chips=2, generator=gen)
    assert out.shape == (2, 4, 2)
    assert_finite(out)


@settings(max_examples=examples(150))
@given(data=st.data())
def test_network_spec_valid_values_property(data):
    """NetworkSpec with numbers of the right type: accepted specs build networks with finite outputs."""
    sizes = tuple(data.draw(st.lists(st.integers(-1, 4), min_size=1, max_size=4), label="sizes"))
    numeric = {k: data.draw(st.floats(min_value=-1e3, max_value=1e3) | st.floats(1e-9, 1e-3), label=k)
               for k in ("input_power", "readout_scale", "init_detuning") if data.draw(st.booleans())}
    band = data.draw(st.tuples(st.floats(1e6, 1e9), st.floats(1e6, 1e9)), label="band")
    try:
        spec = NetworkSpec(sizes=sizes, min_frequency=band[0], max_frequency=band[1], **numeric)
        net = RFNetwork(spec, generator=torch.Generator().manual_seed(0))
    except RfspinError as exc:
        assert_user_error(exc, "sizes", "frequency", "band", "anchor", *numeric)
        return
    out = net.logits(torch.rand(3, spec.sizes[0], generator=torch.Generator().manual_seed(1)))
    assert_finite(out)


# ----- once-known bugs in nn/ and train/, pinned with their exact inputs ----------------------------

_NET = dict(sizes=(3, 2, 2))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_layers_accept_or_name_other_float_dtypes(dtype):
    net = build_rf_network((3, 2, 2), seed=0)
    try:
        out = net(torch.full((2, 3), 0.5, dtype=dtype))
    except RfspinError as exc:
        assert_user_error(exc, "dtype", str(dtype))
        return
    assert_finite(out)


def test_complex_inputs_are_refused():
    with pytest.raises(RfspinError, match="complex"):
        build_rf_network((3, 2, 2), seed=0)(torch.ones(2, 3, dtype=torch.complex64))


def test_huge_powers_are_refused_or_finite():
    layer = ResonatorChainLayer(linear_plan(3, 20e6, 120e6), 2)
    try:
        out = layer(torch.full((1, 3), 3e38))
    except RfspinError as exc:
        assert_user_error(exc, "3e+38", "power")
        return
    assert_finite(out)


def test_oscillator_layer_refuses_nan_voltage():
    layer = OscillatorLayer(linear_plan(2, 20e6, 120e6))
    with pytest.raises(RfspinError, match="nan"):
        layer(torch.tensor([[math.nan, 0.0]]))


@pytest.mark.parametrize("sizes", [("3", 2), (3.7, 2), (True, 2)])
def test_network_spec_refuses_non_integer_sizes(sizes):
    with pytest.raises(RfspinError, match="sizes"):
        NetworkSpec(sizes=sizes)


@pytest.mark.parametrize("fields", [{"input_power": "1e3"}, {"input_frequencies": ("a", "b", "c")},
                                    {"resonator": {}}])
def test_network_spec_type_errors_are_rfspin_errors(fields):
    with pytest.raises(RfspinError):
        NetworkSpec(**_NET, **fields)


@pytest.mark.parametrize("fields", [{"input_power": 1e38}, {"init_detuning": math.nan}, {"readout_scale": 1e-45}])
def test_network_spec_refuses_values_that_overflow(fields):
    try:
        net = RFNetwork(NetworkSpec(**_NET, **fields), generator=torch.Generator().manual_seed(0))
    except RfspinError as exc:
        assert_user_error(exc, *fields)
        return
    assert_finite(net.logits(torch.rand(2, 3)))


@pytest.mark.parametrize("fields", [{"learning_rate": "1e3"}, {"epochs": True}, {"learning_rate": 1e300}])
def test_train_config_checks_types_and_magnitudes(fields):
    from rfspin.train import TrainConfig

    with pytest.raises(RfspinError, match=next(iter(fields))):
        TrainConfig(**fields)
