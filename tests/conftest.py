import pytest
import torch


@pytest.fixture(autouse=True)
def _deterministic_threads():
    # Same thread count everywhere so reductions are reproducible between runs of a test.
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)
