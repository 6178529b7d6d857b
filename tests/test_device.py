import pytest
import torch

from rfspin.device import resolve_device
from rfspin.errors import RfspinError


def test_auto_and_cpu():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device(None).type == expected


@pytest.mark.parametrize("bad", ["gpu", "tpu", "cuda:x", "", 3.5])
def test_bad_names(bad):
    with pytest.raises(RfspinError, match="device"):
        resolve_device(bad)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA present")
def test_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(RfspinError, match="no CUDA GPU"):
        resolve_device("cuda")
