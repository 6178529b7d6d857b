"""Hypothesis: the public parameter constructors accept only finite, float32-safe, physical values.

Property: a constructor either returns an object whose numbers (and derived quantities) are
finite in float32, and a device built from it gives finite outputs on valid inputs, or it raises
RfspinError naming the offending field.
"""

import dataclasses

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from property_support import assert_finite, assert_user_error, examples, field_values, junk_numbers

from rfspin.errors import RfspinError
from rfspin.nonideal import COMPONENTS, NonIdealities
from rfspin.physics import OscillatorParams, ResonatorParams, geometric_plan, linear_plan, plan_frequencies
from rfspin.physics.oscillator import output_power
from rfspin.physics.resonator import chain_weights_direct, head_to_tail_signs, lineshape_coefficients


def _kwargs(cls, data):
    """A random subset of the fields of ``cls``, each plausible or junk."""
    names = [f.name for f in dataclasses.fields(cls)]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    return {name: data.draw(field_values(getattr(cls(), name)), label=name) for name in chosen}


def _accepted_numbers_are_safe(obj) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        assert type(value) in (int, float), f"{f.name} = {value!r} stored as {type(value).__name__}"
        assert abs(value) <= 3.4028234663852886e38 and value == value, f"{f.name} = {value!r}"


@settings(max_examples=examples(300))
@given(st.data())
def test_resonator_params_property(data):
    kwargs = _kwargs(ResonatorParams, data)
    try:
        p = ResonatorParams(**kwargs)
    except RfspinError as exc:
        assert_user_error(exc, *kwargs, "ResonatorParams")
        return
    _accepted_numbers_are_safe(p)
    # a chain of 3 resonators across the band, 5 tones across the band: finite weights in float32
    f_r = linear_plan(3, p.min_resonance_frequency, p.max_resonance_frequency, dtype=torch.float32)[None]
    tones = linear_plan(5, p.min_resonance_frequency, p.max_resonance_frequency, dtype=torch.float32)
    ones = torch.ones_like(f_r)
    signs = head_to_tail_signs(3)
    w = chain_weights_direct(tones, f_r, signs, ones * p.sensitivity, ones * p.damping,
                             ones * p.antisymmetric_weight, ones * p.symmetric_weight)
    assert_finite(w, *lineshape_coefficients(f_r, ones * p.sensitivity, ones * p.damping,
                                             ones * p.antisymmetric_weight, ones * p.symmetric_weight, signs))
    assert_finite(w * 1e-6)  # 1 uW per tone


@settings(max_examples=examples(300))
@given(st.data())
def test_oscillator_params_property(data):
    kwargs = _kwargs(OscillatorParams, data)
    try:
        p = OscillatorParams(**kwargs)
    except RfspinError as exc:
        assert_user_error(exc, *kwargs, "OscillatorParams")
        return
    _accepted_numbers_are_safe(p)
    assert_finite(p.power_prefactor)
    prefactor = torch.tensor(p.power_prefactor, dtype=torch.float32)
    assert_finite(prefactor)
    i_max = p.max_current_ratio * p.threshold_current
    current = torch.linspace(0, 1, 9, dtype=torch.float32) * i_max
    power = output_power(current, p.threshold_current, p.nonlinear_damping, p.resistance,
                         p.magnetoresistance_ratio, p.spin_polarization, prefactor)
    assert_finite(power)
    assert float(power.max()) <= p.max_output_power * 1.01 + 1e-30


@settings(max_examples=examples(200))
@given(kind=st.one_of(st.sampled_from(["linear", "geometric"]), st.text(max_size=8)),
       n=st.one_of(st.integers(min_value=-3, max_value=300), junk_numbers),
       f_min=st.one_of(st.floats(min_value=1, max_value=1e13), junk_numbers),
       f_max=st.one_of(st.floats(min_value=1, max_value=1e13), junk_numbers))
def test_frequency_plans_property(kind, n, f_min, f_max):
    try:
        tones = plan_frequencies(kind, n, f_min, f_max, dtype=torch.float32)
    except RfspinError as exc:
        assert_user_error(exc, "kind", "n =", "f_min", "f_max", "band")
        return
    assert tones.shape == (n,)
    assert_finite(tones)
    assert bool((tones > 0).all())
    if n > 1:
        assert bool((tones[1:] >= tones[:-1]).all())
    for plan in (linear_plan, geometric_plan):
        assert_finite(plan(n, f_min, f_max))


@settings(max_examples=examples(300))
@given(st.data())
def test_nonideality_components_property(data):
    section = data.draw(st.sampled_from(sorted(COMPONENTS)))
    cls = COMPONENTS[section]
    kwargs = _kwargs(cls, data)
    try:
        component = cls(**kwargs)
        chip = NonIdealities(**{section: component})
    except RfspinError as exc:
        assert_user_error(exc, *kwargs, cls.__name__)
        return
    for f in dataclasses.fields(component):
        value = getattr(component, f.name)
        assert type(value) in (int, float) and value == value, f"{f.name} = {value!r}"
        assert value != float("inf") or f.name in ("tuning_range", "saturation_power"), f"{f.name} = inf"
    assert chip == NonIdealities(**{section: component})
