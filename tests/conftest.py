import pytest
import torch

#: Devices the device-agnostic tests run on: the CPU, plus CUDA when a GPU is visible.
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(autouse=True)
def _deterministic_threads():
    # Same thread count everywhere so reductions are reproducible between runs of a test.
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


@pytest.fixture(params=DEVICES)
def devices(request) -> torch.device:
    """One torch.device per available device: a test using it runs once on each (CPU here)."""
    return torch.device(request.param)
