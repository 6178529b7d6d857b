"""Per-layer caches of values that depend only on buffers: refreshed when a buffer changes."""

import torch

from rfspin.nn import ResonatorChainLayer
from rfspin.physics.resonator import coefficients_from_factors, lineshape_coefficients, lineshape_factors


def _layer():
    tones = torch.linspace(20e6, 120e6, 16, dtype=torch.float64)
    return ResonatorChainLayer(tones, 4, generator=torch.Generator().manual_seed(0), kernel="exact")


def test_factors_equal_the_coefficients_bit_for_bit():
    layer = _layer()
    v = layer.resonance_frequencies()
    ref = lineshape_coefficients(v, layer.sensitivity, layer.damping, layer.antisymmetric_weight,
                                 layer.symmetric_weight, layer.signs)
    factors = lineshape_factors(layer.sensitivity, layer.antisymmetric_weight, layer.symmetric_weight, layer.signs)
    for x, y in zip(coefficients_from_factors(v, layer.damping, *factors), ref):
        assert torch.equal(x, y)


def test_weights_follow_buffer_changes_in_place_and_by_replacement():
    layer = _layer()
    w0 = layer.weights().detach().clone()
    with torch.no_grad():
        layer.sensitivity.mul_(2.0)  # in place
    torch.testing.assert_close(layer.weights().detach(), 2 * w0)
    layer.symmetric_weight = torch.full_like(layer.symmetric_weight, 0.5)  # replaced
    fresh = _layer()
    with torch.no_grad():
        fresh.sensitivity.mul_(2.0)
        fresh.symmetric_weight.fill_(0.5)
    torch.testing.assert_close(layer.weights().detach(), fresh.weights().detach())
