"""Shared strategies and checks of the Hypothesis property suites (tests/test_property_*.py).

Example counts scale with the profile chosen in conftest.py (``HYPOTHESIS_PROFILE=thorough``
multiplies them by :data:`SCALE`); every property is "works with finite outputs, or raises
RfspinError whose message names the offending key or value".
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch
from hypothesis import strategies as st

from rfspin.errors import RfspinError

#: thorough runs multiply every test's example budget by this factor
SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1


def examples(n: int) -> int:
    """``n`` examples in a default run, ``SCALE * n`` in a thorough one."""
    return n * SCALE


FLOAT32_MAX = float(np.finfo(np.float32).max)

#: numbers of every kind users pass by mistake: NaN/inf (numpy scalars too), huge and tiny
#: magnitudes, bools, strings such as '1e3', None, complex numbers
junk_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-45, 1e-39, 3.5e38, -3.5e38, 1e308, math.nan, math.inf, -math.inf]),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.booleans(),
    st.none(),
    st.sampled_from(["1e3", "nan", "", "1", "inf"]),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(np.float32),
    st.floats(allow_nan=True, allow_infinity=True).map(np.float64),
    st.integers(min_value=-5, max_value=5).map(np.int64),
    st.complex_numbers(max_magnitude=1e3, allow_nan=False),
)


def near(default: float) -> st.SearchStrategy:
    """Plausible values: the default scaled by 10^[-4, 4], either sign, or exactly 0."""
    base = abs(default) if default else 1.0
    return st.one_of(
        st.floats(min_value=-4, max_value=4).map(lambda e: base * 10**e),
        st.floats(min_value=-4, max_value=4).map(lambda e: -base * 10**e),
        st.just(0.0),
        st.just(default),
    )


def field_values(default: float) -> st.SearchStrategy:
    return st.one_of(near(default), near(default), junk_numbers)


def message_names(exc: BaseException, *names) -> bool:
    """True when the error message contains at least one of ``names`` (keys or values)."""
    text = str(exc)
    return any(str(n) in text for n in names)


def assert_user_error(exc: BaseException, *names) -> None:
    assert isinstance(exc, RfspinError), f"not an RfspinError: {type(exc).__name__}: {exc}"
    assert message_names(exc, *names), f"message {str(exc)!r} names none of {names}"
    assert "\n" not in str(exc).strip(), f"multi-line message {str(exc)!r}"


def assert_finite(*tensors) -> None:
    for t in tensors:
        if isinstance(t, torch.Tensor):
            assert bool(torch.isfinite(t).all()), f"non-finite output {t}"
        else:
            assert math.isfinite(t), f"non-finite output {t!r}"
