import os

import pytest
import torch
from hypothesis import HealthCheck, settings

# Hypothesis profiles: "default" keeps CI fast; HYPOTHESIS_PROFILE=thorough multiplies every
# property test's example budget (tests/property_support.py: examples()) for a long local run.
settings.register_profile(
    "default", deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

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
