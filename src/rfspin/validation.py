"""Boundary checks for numbers given by users (dataclass fields, function arguments).

Every accepted number is a finite real that survives float32 (rfspin computes in float32 by
default): no bools, no strings such as ``'1e3'``, no complex numbers, no NaN/inf (numpy scalars
included), no magnitude that overflows to inf or a positive value that underflows to 0 in float32.
Failures raise :class:`~rfspin.errors.RfspinError` / :class:`~rfspin.errors.RfspinTypeError`
naming the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import numbers

from .errors import RfspinError, RfspinTypeError

__all__ = ["FLOAT32_MAX", "FLOAT32_TINY", "check_number", "check_fields"]

FLOAT32_MAX = 3.4028234663852886e38
FLOAT32_TINY = 1.1754943508222875e-38  # smallest normal float32


def check_number(
    value,
    what: str,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    integer: bool = False,
):
    """``value`` as a Python float (int if ``integer``), or an error naming ``what``.

    ``gt``/``ge``/``lt``/``le``: exclusive / inclusive bounds.
    """
    kind = "an integer" if integer else "a real number"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise RfspinTypeError(f"{what} = {value!r}: must be {kind}, got {type(value).__name__}")
    if integer:
        if isinstance(value, numbers.Integral):
            number = int(value)
        elif math.isfinite(float(value)) and float(value).is_integer():
            number = int(value)
        else:
            raise RfspinError(f"{what} = {value!r}: must be {kind}")
    else:
        number = float(value)
        if not math.isfinite(number):
            raise RfspinError(f"{what} = {value!r}: must be a finite number")
        if abs(number) > FLOAT32_MAX:
            raise RfspinError(f"{what} = {value!r}: magnitude must be <= {FLOAT32_MAX:.3g} (float32 range)")
        if number != 0 and abs(number) < FLOAT32_TINY:
            raise RfspinError(f"{what} = {value!r}: too small for float32 (|x| >= {FLOAT32_TINY:.3g} or 0)")
    if gt is not None and not number > gt:
        raise RfspinError(f"{what} = {value!r}: must be > {gt:g}")
    if ge is not None and not number >= ge:
        raise RfspinError(f"{what} = {value!r}: must be >= {ge:g}")
    if lt is not None and not number < lt:
        raise RfspinError(f"{what} = {value!r}: must be < {lt:g}")
    if le is not None and not number <= le:
        raise RfspinError(f"{what} = {value!r}: must be <= {le:g}")
    return number


def check_fields(obj, **bounds: dict) -> None:
    """Validate every numeric field of a frozen dataclass in place (``__post_init__`` helper).

    Each field listed in ``bounds`` is checked with :func:`check_number` using its bound dict
    (e.g. ``threshold_current={"gt": 0}``) and stored back as a Python number; every other
    field annotated as a number must simply be a finite real.
    """
    owner = type(obj).__name__
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        annotation = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
        if f.name not in bounds and annotation not in ("float", "int"):
            continue
        spec = dict(bounds.get(f.name, {}))
        if annotation == "int":
            spec.setdefault("integer", True)
        object.__setattr__(obj, f.name, check_number(value, f"{owner}.{f.name}", **spec))
