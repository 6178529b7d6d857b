import numpy as np
import pytest

from rfspin.errors import RfspinError, RfspinTypeError
from rfspin.validation import check_number


@pytest.mark.parametrize("bad", ["1e3", True, None, 1 + 2j, [1.0]])
def test_non_numbers_are_type_errors(bad):
    with pytest.raises(RfspinTypeError, match="must be"):
        check_number(bad, "x")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), np.float64("nan"), 1e39, 1e-40])
def test_non_finite_and_float32_unsafe(bad):
    with pytest.raises(RfspinError, match="x = "):
        check_number(bad, "x")


def test_bounds_and_integers():
    assert check_number(np.float32(2.5), "x", gt=0) == 2.5
    assert check_number(3.0, "n", integer=True, ge=1) == 3
    with pytest.raises(RfspinError, match="must be > 0"):
        check_number(0.0, "x", gt=0)
    with pytest.raises(RfspinError, match="must be <= 1"):
        check_number(1.5, "x", le=1)
    with pytest.raises(RfspinError, match="integer"):
        check_number(2.5, "n", integer=True)
