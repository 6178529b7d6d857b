"""atomic_write_json / to_jsonable: the fast path for plain number lists changes nothing."""

import json
import math

import numpy as np
import pytest
import torch

from rfspin.errors import RfspinError
from rfspin.fileio import atomic_write_json, read_json, to_jsonable


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("wrap", [list, torch.tensor, np.array])
def test_non_finite_numbers_refused_in_every_container(bad, wrap, tmp_path):
    obj = {"a": [[0.5, 1.0], wrap([2.0, bad, 3.0])]}
    for compact in (False, True):
        with pytest.raises(RfspinError, match="non-finite"):
            atomic_write_json(tmp_path / "x.json", obj, compact=compact)
    assert not (tmp_path / "x.json").exists()


def test_large_finite_floats_whose_sum_overflows_are_kept():
    assert to_jsonable([1e308, 1e308, -1e308]) == [1e308, 1e308, -1e308]
    assert to_jsonable([[1e308, 1e308], [True, 2, 10**400]]) == [[1e308, 1e308], [True, 2, 10**400]]


def test_compact_and_indented_files_hold_the_same_values(tmp_path):
    obj = {"f": torch.linspace(0, 1, 7, dtype=torch.float64), "i": np.arange(3), "t": (1, 2.5), "b": [True, False],
           "n": {1: [0.1, 2]}, "e": []}
    a = atomic_write_json(tmp_path / "a.json", obj)
    b = atomic_write_json(tmp_path / "b.json", obj, compact=True)
    assert read_json(a, "a") == read_json(b, "b") == json.loads(json.dumps(to_jsonable(obj)))
    assert b.read_text().count("\n") == 1 and a.read_text().count("\n") > 10
