"""The fused, chunked chain kernel equals the direct broadcast and has the exact gradient."""

import pytest
import torch

from rfspin.physics import chain_weights, chain_weights_direct, head_to_tail_signs, lineshape_coefficients


def _setup(j=4, k=9, i=9, lead=(), dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.linspace(20e6, 120e6, i, dtype=dtype)
    v = (u[:k] * (1 + 0.02 * torch.randn(*lead, j, k, generator=g, dtype=dtype)))
    alpha = 0.01 * (1 + 0.1 * torch.rand(*lead, j, k, generator=g, dtype=dtype))
    sens = 8.8e3 * (1 + 0.1 * torch.rand(*lead, j, k, generator=g, dtype=dtype))
    a_a = torch.rand(*lead, j, k, generator=g, dtype=dtype)
    a_s = 1 - a_a
    return u, v, alpha, sens, a_a, a_s, head_to_tail_signs(k, dtype=dtype)


@pytest.mark.parametrize("block", [1, 7, 1 << 16])
def test_fused_equals_direct_per_device_parameters(block):
    u, v, alpha, sens, a_a, a_s, s = _setup()
    direct = chain_weights_direct(u, v, s, sens, alpha, a_a, a_s)
    delta, a, b = lineshape_coefficients(v, sens, alpha, a_a, a_s, s)
    fused = chain_weights(u, v, delta, a, b, block_elements=block)
    torch.testing.assert_close(fused, direct, rtol=1e-10, atol=1e-6)


def test_fused_with_chip_batch_and_per_chip_tones():
    u, v, alpha, sens, a_a, a_s, s = _setup(lead=(3,))
    delta, a, b = lineshape_coefficients(v, sens, alpha, a_a, a_s, s)
    w = chain_weights(u, v, delta, a, b)
    assert w.shape == (3, 4, 9)
    for c in range(3):
        torch.testing.assert_close(w[c], chain_weights_direct(u, v[c], s, sens[c], alpha[c], a_a[c], a_s[c]))
    u3 = u * torch.tensor([[1.0], [1.001], [0.999]], dtype=torch.float64)
    w3 = chain_weights(u3, v, delta, a, b, block_elements=5)
    for c in range(3):
        torch.testing.assert_close(w3[c], chain_weights_direct(u3[c], v[c], s, sens[c], alpha[c], a_a[c], a_s[c]))


def test_fused_gradcheck_all_inputs_float64():
    g = torch.Generator().manual_seed(1)
    u = torch.linspace(1.0, 2.0, 6, dtype=torch.float64).requires_grad_()
    v = (1 + torch.rand(3, 5, generator=g, dtype=torch.float64)).requires_grad_()
    delta = (0.1 + 0.2 * torch.rand(3, 5, generator=g, dtype=torch.float64)).requires_grad_()
    a = torch.randn(3, 5, generator=g, dtype=torch.float64).requires_grad_()
    b = torch.randn(3, 5, generator=g, dtype=torch.float64).requires_grad_()
    fn = lambda *xs: chain_weights(*xs, block_elements=11)  # noqa: E731  (several blocks)
    assert torch.autograd.gradcheck(fn, (u, v, delta, a, b))
    u2 = (1 + torch.rand(2, 6, generator=g, dtype=torch.float64)).requires_grad_()
    v2 = (1 + torch.rand(2, 3, 5, generator=g, dtype=torch.float64)).requires_grad_()
    assert torch.autograd.gradcheck(lambda u, v: chain_weights(u, v, delta, a, b, block_elements=11), (u2, v2))


def test_fused_gradient_matches_direct_in_physical_units():
    u, v, alpha, sens, a_a, a_s, s = _setup(j=3, k=12, i=12)
    v1 = v.clone().requires_grad_()
    v2 = v.clone().requires_grad_()
    gw = torch.randn(3, 12, dtype=torch.float64)
    (chain_weights_direct(u, v1, s, sens, alpha, a_a, a_s) * gw).sum().backward()
    delta, a, b = lineshape_coefficients(v2, sens, alpha, a_a, a_s, s)
    (chain_weights(u, v2, delta, a, b, block_elements=10) * gw).sum().backward()
    torch.testing.assert_close(v2.grad, v1.grad, rtol=1e-9, atol=1e-12)


def test_bad_block_size():
    u, v, alpha, sens, a_a, a_s, s = _setup()
    delta, a, b = lineshape_coefficients(v, sens, alpha, a_a, a_s, s)
    with pytest.raises(ValueError, match="block_elements = 0"):
        chain_weights(u, v, delta, a, b, block_elements=0)
