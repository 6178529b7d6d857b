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

#: fraction of each test's nominal example budget run by the profile: the default profile keeps
#: the whole property suite to about half a minute; the thorough one runs ~14,000 examples
SCALE = 4.0 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 0.2


def examples(n: int) -> int:
    """The example budget of a test whose nominal budget is ``n`` (at least 5)."""
    return max(5, int(n * SCALE))


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


# ----- generated malformed documents ----------------------------------------------------------

json_junk = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e999, -1e300, 1e-320, 3.5e38, "1e3", [], {}, [1, 2], {"a": 1}, [[]], 1.5, 2.0]),
)


def _paths(doc, prefix=()):
    """Every (path, value) of a nested dict/list document, containers included (capped per list)."""
    yield prefix, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:4]):
            yield from _paths(value, (*prefix, i))


def _parent(doc, path):
    for part in path[:-1]:
        doc = doc[part]
    return doc


def mutate(doc, data, junk=json_junk):
    """A deep copy of ``doc`` with 1-3 random edits; returns (document, names that an error may cite)."""
    import copy

    doc = copy.deepcopy(doc)
    names: set = set()
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        paths = [p for p, _ in _paths(doc) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        op = data.draw(st.sampled_from(["replace", "delete", "add_key", "shrink", "grow"]), label="op")
        parent, last = _parent(doc, path), path[-1]
        names.update(str(p) for p in path)
        if op == "replace":
            value = copy.deepcopy(data.draw(junk, label="value"))  # sampled lists/dicts are shared objects
            parent[last] = value
            names.add(repr(value))
        elif op == "delete":
            del parent[last]
        elif op == "add_key" and isinstance(parent, dict):
            key = data.draw(st.text(min_size=1, max_size=5), label="key")
            parent[key] = 1
            names.add(key)
        elif op in ("shrink", "grow") and isinstance(parent[last], list):
            items = parent[last]
            if op == "shrink" and items:
                items.pop()
            elif items:
                items.append(copy.deepcopy(items[-1]))
    return doc, names
